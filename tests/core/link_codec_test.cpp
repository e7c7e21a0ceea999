#include "core/link_codec.hpp"

#include <gtest/gtest.h>

namespace ivy::link {
namespace {

Frame round_trip(const Frame& f) {
  std::string line = encode(f);
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line only";
  line.pop_back();
  auto back = decode(line);
  EXPECT_TRUE(back.ok()) << line << ": " << (back.ok() ? "" : back.error().message);
  return back.ok() ? *back : Frame(Bye{"decode failed"});
}

TEST(LinkCodec, HelloRoundTrips) {
  const Hello h{1, "site link", "host:123:abc", true, "site b", "s3cret with spaces %"};
  EXPECT_EQ(round_trip(h), Frame(h));
  EXPECT_EQ(encode(Hello{1, "b", "i", false, "", "tok"}), "IVYDLINK 1 b i 0  tok\n");
}

TEST(LinkCodec, MessageKeepsEveryByte) {
  std::string text = "HELLO world 100% \x01\x02\x03 caf\xc3\xa9 \r end";
  text += std::string("\0\n", 2);
  const Message m{"inst 1", 42, "lab bus", "agent name", text};
  EXPECT_EQ(round_trip(m), Frame(m));
}

TEST(LinkCodec, MessageTextKeepsSpacesUnescaped) {
  EXPECT_EQ(encode(Message{"i", 7, "lab", "probe", "A B  C"}), "M i 7 lab probe A B  C\n");
}

TEST(LinkCodec, EmptyFieldsRoundTrip) {
  const Message m{"", 0, "", "", ""};
  EXPECT_EQ(round_trip(m), Frame(m));
}

TEST(LinkCodec, InterestAndControlFramesRoundTrip) {
  for (const Frame& f : {Frame(InterestAdd{"^A (.*) b$"}), Frame(InterestRemove{"x"}), Frame(InterestReset{}),
                         Frame(Ping{9}), Frame(Pong{18446744073709551615ull}), Frame(Bye{"wrong token"})}) {
    EXPECT_EQ(round_trip(f), f);
  }
}

TEST(LinkCodec, RejectsMalformedLines) {
  for (std::string_view line : {"", "M", "M a 1 b", "M a x b c text", "M a -1 b c t", "PING", "PING x",
                                "PONG 1 2", "IVYDLINK 1 b i 2 n tok", "IVYDLINK x b i 0 n tok", "IVYDLINK 1 b i 0 tok", "IVYDLINK 1 b",
                                "I+ %4", "I+ %zz", "WHAT ever", "BYE %"}) {
    EXPECT_FALSE(decode(line).ok()) << line;
  }
}

TEST(LinkCodec, AcceptsLowerCaseHex) {
  auto s = unescape("a%0ab%25");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, "a\nb%");
}

TEST(LinkCodec, EveryByteValueSurvivesBothFieldKinds) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  for (bool last : {false, true}) {
    const std::string e = escape(all, last);
    EXPECT_EQ(e.find('\n'), std::string::npos);
    if (!last) {
      EXPECT_EQ(e.find(' '), std::string::npos);
    }
    auto back = unescape(e);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, all);
  }
}

TEST(LinkCodec, TokensCompareExactly) {
  EXPECT_TRUE(tokens_equal("0123456789abcdef", "0123456789abcdef"));
  EXPECT_FALSE(tokens_equal("0123456789abcdef", "0123456789abcdeg"));
  EXPECT_FALSE(tokens_equal("0123456789abcdef", "0123456789abcde"));
  EXPECT_FALSE(tokens_equal("", "x"));
  EXPECT_TRUE(tokens_equal("", ""));
}

}  // namespace
}  // namespace ivy::link
