#include "core/codec.hpp"

#include <algorithm>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "core/line_framer.hpp"

namespace ivy {
namespace {

using namespace std::string_literals;
using namespace std::string_view_literals;
using Kind = DecodeResult::Kind;
using Args = std::vector<std::string>;

// Decodes one captured frame (with its LF) and checks it is a known frame.
Frame decode_ok(std::string_view wire) {
  EXPECT_FALSE(wire.empty());
  EXPECT_EQ(wire.back(), '\n');
  const auto r = decode_frame(wire.substr(0, wire.size() - 1));
  EXPECT_EQ(r.kind, Kind::kFrame) << r.reason;
  return r.frame;
}

std::size_t count_lf(std::string_view s) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

// ---- Format: values -> exact bytes (captures of ivy-protocol.md) ----

TEST(Codec, FormatsMsgAsCapturedFromIvyC) {  // §3.2 [V]
  EXPECT_EQ(*format_msg(4, {"dle"}),
            "2 4\x02" "dle\x03\n"s);
}

TEST(Codec, FormatsReadyMessageAsCaptured) {  // §5.3 [V]
  EXPECT_EQ(*format_msg(9, {"READY"}),
            "2 9\x02" "READY\x03\n"s);
}

TEST(Codec, FormatsCaptureCasesOfSection64) {
  EXPECT_EQ(*format_msg(0, {}), "2 0\x02\n"s);                  // no groups
  EXPECT_EQ(*format_msg(0, {""}), "2 0\x02\x03\n"s);            // a group that matched ""
  EXPECT_EQ(*format_msg(0, {"", "z"}), "2 0\x02\x03z\x03\n"s);  // unmatched then matched
  EXPECT_EQ(*format_msg(7, {"a", "b"}),
            "2 7\x02" "a\x03" "b\x03\n"s);
}

TEST(Codec, FormatsHandshakeFramesAsCaptured) {  // §3.2, §5.1 [V]
  EXPECT_EQ(*format_start_regexp(39931, "CPROBE"),
            "6 39931\x02" "CPROBE\n"s);
  EXPECT_EQ(*format_add_regexp(0, "^CTEST (.*)"), "1 0\x02^CTEST (.*)\n"s);
  EXPECT_EQ(format_end_regexp(), "5 0\x02\n"s);
}

TEST(Codec, FormatsControlFramesAsCaptured) {  // §3.2, §4, §7 [V]
  EXPECT_EQ(format_bye(), "0 0\x02\n"s);
  EXPECT_EQ(format_die(), "8 0\x02\n"s);
  EXPECT_EQ(format_ping(1), "9 1\x02\n"s);
  EXPECT_EQ(format_pong(1), "10 1\x02\n"s);
  EXPECT_EQ(format_del_regexp(3), "4 3\x02\n"s);
  EXPECT_EQ(*format_direct(42, "hello world"), "7 42\x02hello world\n"s);
  EXPECT_EQ(*format_error(0, "Application already connected"),
            "3 0\x02" "Application already connected\n"s);
}

TEST(Codec, FormatsCompileErrorAsIvyC) {  // §6.7 [V]
  EXPECT_EQ(format_compile_error(1, "(", "missing )"),
            "3 1\x02" "Error compiling '(', missing )\n"s);
}

TEST(Codec, FormatsCompileErrorWithoutRawControlBytes) {
  const auto frame = format_compile_error(2,
                                          "a\x03" "b\0c"s,
                                          "bad\nthing");
  EXPECT_EQ(frame,
            "3 2\x02" "Error compiling 'a?b?c', bad?thing\n"s);
}

TEST(Codec, FormatsNegativeAndExtremeIds) {
  EXPECT_EQ(format_ping(-1), "9 -1\x02\n"s);
  EXPECT_EQ(format_del_regexp(2147483647), "4 2147483647\x02\n"s);
  EXPECT_EQ(format_pong(-2147483647 - 1), "10 -2147483648\x02\n"s);
}

// ---- Decode: exact bytes -> values ----

TEST(Codec, DecodesMsgAsCapturedFromIvyC) {
  const Frame f = decode_ok(
      "2 4\x02" "dle\x03\n");
  EXPECT_EQ(f.type, MsgType::kMsg);
  EXPECT_EQ(f.id, 4);
  EXPECT_EQ(f.payload, "dle\x03"s);
  EXPECT_EQ(split_msg_args(f.payload), Args{"dle"});
}

TEST(Codec, DecodesEveryCapturedType) {
  struct Case {
    std::string wire;
    MsgType type;
    int id;
    std::string payload;
  };
  const std::vector<Case> cases = {
      {"0 0\x02\n", MsgType::kBye, 0, ""},
      {"1 0\x02^CTEST (.*)\n", MsgType::kAddRegexp, 0, "^CTEST (.*)"},
      {"2 9\x02" "READY\x03\n",
       MsgType::kMsg, 9, "READY\x03"},
      {"3 1\x02" "Error compiling '(', missing )\n",
       MsgType::kError, 1, "Error compiling '(', missing )"},
      {"4 3\x02\n", MsgType::kDelRegexp, 3, ""},
      {"5 0\x02\n", MsgType::kEndRegexp, 0, ""},
      {"6 39931\x02" "CPROBE\n",
       MsgType::kStartRegexp, 39931, "CPROBE"},
      {"7 42\x02hello world\n", MsgType::kDirectMsg, 42, "hello world"},
      {"8 0\x02\n", MsgType::kDie, 0, ""},
      {"9 1\x02\n", MsgType::kPing, 1, ""},
      {"10 1\x02\n", MsgType::kPong, 1, ""},
  };
  for (const auto& c : cases) {
    const auto r = decode_frame(std::string_view(c.wire).substr(0, c.wire.size() - 1));
    ASSERT_EQ(r.kind, Kind::kFrame) << c.wire;
    EXPECT_EQ(r.frame.type, c.type) << c.wire;
    EXPECT_EQ(r.raw_type, static_cast<int>(c.type)) << c.wire;
    EXPECT_EQ(r.frame.id, c.id) << c.wire;
    EXPECT_EQ(r.frame.payload, c.payload) << c.wire;
  }
}

TEST(Codec, DecodesACapturedStreamFedByteByByteAndInBulk) {
  const std::string stream =
      "6 39931\x02" "CPROBE\n"
      "1 0\x02^CTEST (.*)\n"
      "5 0\x02\n"
      "2 4\x02" "dle\x03\n"
      "9 1\x02\n"
      "0 0\x02\n"s;
  const std::vector<MsgType> expected = {MsgType::kStartRegexp, MsgType::kAddRegexp,
                                         MsgType::kEndRegexp,   MsgType::kMsg,
                                         MsgType::kPing,        MsgType::kBye};
  for (std::size_t chunk : {std::size_t{1}, stream.size()}) {
    LineFramer framer;
    std::vector<MsgType> types;
    for (std::size_t i = 0; i < stream.size(); i += chunk) {
      framer.feed(std::string_view(stream).substr(i, chunk));
      while (auto line = framer.next()) {
        const auto r = decode_frame(*line);
        ASSERT_EQ(r.kind, Kind::kFrame) << r.reason;
        types.push_back(r.frame.type);
      }
    }
    EXPECT_EQ(types, expected) << "chunk " << chunk;
  }
}

TEST(Codec, DecodesEveryPrefixOfAFrameWithoutCrashing) {
  const std::string line =
      "2 4\x02" "dle\x03"s;
  for (std::size_t n = 0; n <= line.size(); ++n) {
    const auto r = decode_frame(std::string_view(line).substr(0, n));
    if (n < 4) {
      EXPECT_EQ(r.kind, Kind::kMalformed) << n;  // no STX yet
    } else {
      EXPECT_EQ(r.kind, Kind::kFrame) << n;
      EXPECT_EQ(r.frame.payload, line.substr(4, n - 4));
    }
  }
}

// ---- Lenient acceptance (§3.3, §12 "Accept") ----

TEST(Codec, AcceptsLeadingBlanks) {
  for (const auto& line : {" 2 4\x02" "dle\x03"s,
                           "\t2  4\x02" "dle\x03"s,
                           "  2\t4\x02" "dle\x03"s}) {
    const auto r = decode_frame(line);
    ASSERT_EQ(r.kind, Kind::kFrame) << line;
    EXPECT_EQ(r.frame.type, MsgType::kMsg);
    EXPECT_EQ(r.frame.id, 4);
    EXPECT_EQ(r.frame.payload, "dle\x03"s);
  }
}

TEST(Codec, AcceptsExtraHeaderTokensLikeIvyC) {
  const auto r = decode_frame(
      "2 5 junk\x02" "a\x03"sv);
  ASSERT_EQ(r.kind, Kind::kFrame);
  EXPECT_EQ(r.frame.type, MsgType::kMsg);
  EXPECT_EQ(r.frame.id, 5);
  EXPECT_EQ(r.frame.payload, "a\x03"s);
  // sscanf("%d %d") stops at the 'x' of "0x4": id 0, "x4" is an extra token.
  EXPECT_EQ(decode_frame("2 0x4\x02"sv).frame.id, 0);
}

TEST(Codec, AcceptsNegativeIdsAndExplicitPlus) {
  auto r = decode_frame("3 -7\x02oops"sv);
  ASSERT_EQ(r.kind, Kind::kFrame);
  EXPECT_EQ(r.frame.id, -7);
  r = decode_frame("+2 +4\x02"sv);
  ASSERT_EQ(r.kind, Kind::kFrame);
  EXPECT_EQ(r.frame.type, MsgType::kMsg);
  EXPECT_EQ(r.frame.id, 4);
}

TEST(Codec, RejectsPlusFollowedByASign) {
  // Regression: "+-5" was read as -5; sscanf("%d") (ivy-c) rejects it.
  EXPECT_EQ(decode_frame("2 +-5\x02" "a\x03"sv)
                .kind,
            Kind::kMalformed);
  EXPECT_EQ(decode_frame("+-2 5\x02"sv).kind, Kind::kMalformed);
  EXPECT_EQ(decode_frame("2 ++5\x02"sv).kind, Kind::kMalformed);
}

TEST(Codec, AcceptsIdsAtTheLimitsOfInt) {
  EXPECT_EQ(decode_frame("9 2147483647\x02"sv).frame.id, 2147483647);
  EXPECT_EQ(decode_frame("9 -2147483648\x02"sv).frame.id, -2147483647 - 1);
}

TEST(Codec, KeepsAnEmptyPayload) {
  const auto r = decode_frame("2 4\x02"sv);
  ASSERT_EQ(r.kind, Kind::kFrame);
  EXPECT_TRUE(r.frame.payload.empty());
  EXPECT_TRUE(split_msg_args(r.frame.payload).empty());
}

TEST(Codec, SplitsOnlyOnTheFirstStx) {  // §3.5: STX is harmless in the payload
  const auto r = decode_frame(
      "7 1\x02" "a\x02" "b"sv);
  ASSERT_EQ(r.kind, Kind::kFrame);
  EXPECT_EQ(r.frame.payload,
            "a\x02" "b"s);
}

TEST(Codec, KeepsCrAsData) {
  const auto r = decode_frame(
      "2 4\x02" "a\r\x03\r"sv);
  ASSERT_EQ(r.kind, Kind::kFrame);
  EXPECT_EQ(split_msg_args(r.frame.payload), (Args{"a\r", "\r"}));
  // A CR before the STX is a blank, as for sscanf.
  EXPECT_EQ(decode_frame("5 0\r\x02"sv).kind, Kind::kFrame);
}

TEST(Codec, KeepsNonUtf8BytesAsBytes) {
  // Latin-1 "café" from a C peer, and bytes that are not UTF-8 at all.
  const auto r = decode_frame(
      "2 4\x02" "caf\xe9\x03\xff\xfe\xc3\x03"sv);
  ASSERT_EQ(r.kind, Kind::kFrame);
  EXPECT_EQ(split_msg_args(r.frame.payload), (Args{"caf\xe9", "\xff\xfe\xc3"}));
}

TEST(Codec, KeepsNulBytesInThePayload) {
  const auto r = decode_frame(
      "7 1\x02" "a\0b"sv);
  ASSERT_EQ(r.kind, Kind::kFrame);
  EXPECT_EQ(r.frame.payload, "a\0b"s);
}

// ---- Corrupted variants ----

TEST(Codec, ReportsALineWithoutStxAsMalformed) {
  for (const auto& line : {"2 4 dle\x03"s, ""s, "5 0"s, "hello world"s}) {
    const auto r = decode_frame(line);
    EXPECT_EQ(r.kind, Kind::kMalformed) << line;
    EXPECT_NE(r.reason.find("STX"), std::string::npos) << r.reason;
  }
}

TEST(Codec, ReportsAHeaderWithoutTwoIntegersAsMalformed) {
  for (const auto& line : {"\x02"s,
                           "2\x02" "dle\x03"s,
                           "2 x\x02" "a"s,
                           "x 4\x02"s, " \x02"s, "2 - 4\x02"s, "two 4\x02"s}) {
    const auto r = decode_frame(line);
    EXPECT_EQ(r.kind, Kind::kMalformed) << line;
    EXPECT_FALSE(r.reason.empty());
  }
}

TEST(Codec, ReportsAnIdThatOverflowsIntAsMalformed) {
  for (const auto& line : {"2 2147483648\x02"s, "2 -2147483649\x02"s,
                           "2 99999999999999999999999\x02"s, "4294967298 1\x02"s}) {
    EXPECT_EQ(decode_frame(line).kind, Kind::kMalformed) << line;
  }
}

TEST(Codec, ReportsUnknownTypesWithTheirNumber) {
  for (int type : {11, 99, -1, 2147483647}) {
    const auto line = std::to_string(type) +
                      " 7\x02" "payload";
    const auto r = decode_frame(line);
    ASSERT_EQ(r.kind, Kind::kUnknown) << line;
    EXPECT_EQ(r.raw_type, type);
    EXPECT_EQ(r.frame.id, 7);
    EXPECT_EQ(r.frame.payload, "payload");
  }
}

TEST(Codec, SurvivesEverySingleByteCorruption) {
  // leveldb's IncrementByte spirit: each byte of real frames set to every
  // value. Whatever comes out must be consistent.
  for (const std::string& original : {"2 4\x02" "dle\x03"s,
                                      "6 39931\x02" "CPROBE"s,
                                      "10 1\x02"s}) {
    for (std::size_t pos = 0; pos < original.size(); ++pos) {
      for (int b = 0; b < 256; ++b) {
        std::string line = original;
        line[pos] = static_cast<char>(b);
        const auto r = decode_frame(line);
        const auto stx = line.find('\x02');
        if (stx == std::string::npos) {
          EXPECT_EQ(r.kind, Kind::kMalformed);
          continue;
        }
        if (r.kind == Kind::kMalformed) continue;
        EXPECT_EQ(r.frame.payload, std::string_view(line).substr(stx + 1));
        EXPECT_EQ(r.kind == Kind::kFrame, r.raw_type >= 0 && r.raw_type <= 10);
      }
    }
  }
}

// ---- MSG payload splitting: the table of §3.3 ([C] column) ----

TEST(Codec, SplitsMsgPayloadsLikeIvyC) {
  EXPECT_EQ(split_msg_args(""), Args{});
  EXPECT_EQ(split_msg_args("a\x03"), Args{"a"});
  EXPECT_EQ(split_msg_args("a\x03" "b\x03"),
            (Args{"a", "b"}));
  EXPECT_EQ(split_msg_args("\x03"), Args{""});
  EXPECT_EQ(split_msg_args("abc"), Args{"abc"});
  EXPECT_EQ(split_msg_args("a\x03" "b"),
            (Args{"a", "b"}));
}

TEST(Codec, KeepsEmptyArguments) {
  EXPECT_EQ(split_msg_args("\x03\x03"), (Args{"", ""}));
  EXPECT_EQ(split_msg_args("\x03z\x03"), (Args{"", "z"}));
  EXPECT_EQ(split_msg_args("a\x03\x03" "b"),
            (Args{"a", "", "b"}));
}

TEST(Codec, SplitsTwoHundredArguments) {
  // ivy-c crashes beyond 120 (Q-C-3); we take any number.
  std::string payload;
  Args expected;
  for (int i = 0; i < 200; ++i) {
    expected.push_back("arg" + std::to_string(i));
    payload += expected.back() + "\x03";
  }
  const std::string line = "2 1\x02" + payload;
  const auto r = decode_frame(line);
  ASSERT_EQ(r.kind, Kind::kFrame);
  EXPECT_EQ(split_msg_args(r.frame.payload), expected);
  EXPECT_EQ(*format_msg(1, expected), "2 1\x02" + payload + "\n");
}

// ---- Emit side: refuse LF / ETX / NUL with a clear error value ----

TEST(Codec, RefusesLfEtxAndNulInEveryText) {
  for (const auto& bad : {"a\nb"s,
                          "a\x03" "b"s,
                          "a\0b"s}) {
    const auto msg = format_msg(1, {"ok", bad});
    ASSERT_FALSE(msg) << "message with byte " << int(bad[1]);
    EXPECT_NE(msg.error().message.find("message argument"), std::string::npos)
        << msg.error().message;
    const auto add = format_add_regexp(1, bad);
    ASSERT_FALSE(add);
    EXPECT_NE(add.error().message.find("regexp"), std::string::npos) << add.error().message;
    const auto start = format_start_regexp(2010, bad);
    ASSERT_FALSE(start);
    EXPECT_NE(start.error().message.find("name"), std::string::npos) << start.error().message;
    const auto direct = format_direct(1, bad);
    ASSERT_FALSE(direct);
    EXPECT_NE(direct.error().message.find("direct"), std::string::npos) << direct.error().message;
    EXPECT_FALSE(format_error(1, bad));
  }
}

TEST(Codec, NamesTheForbiddenByteAndItsPosition) {
  auto st = check_wire_text("abc\ndef", "message");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().message,
            "message contains a line feed (LF) at byte 3: Ivy frames cannot carry it");
  st = check_wire_text("\x03", "regexp");
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("ETX"), std::string::npos);
  st = check_wire_text("xy\0"s, "name");
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("NUL byte at byte 2"), std::string::npos);
  EXPECT_TRUE(check_wire_text("tab\tcr\rstx\x02 high\xff", "message"));
}

TEST(Codec, NeverFormatsARawLfExceptTheFinalOne) {
  std::mt19937 rng(12345);
  std::vector<std::string> texts;
  for (int b = 0; b < 256; ++b) texts.emplace_back(1, static_cast<char>(b));
  const std::string alphabet = "ab\n\x03\x02\r\0 \xff"s;
  for (int i = 0; i < 2000; ++i) {
    std::string t(rng() % 12, ' ');
    for (char& c : t) c = alphabet[rng() % alphabet.size()];
    texts.push_back(t);
  }
  int formatted = 0;
  auto check = [&](const Result<std::string>& r, const std::string& input) {
    if (!r) return;
    ++formatted;
    EXPECT_EQ(count_lf(*r), 1u) << "input " << ::testing::PrintToString(input);
    EXPECT_EQ(r->back(), '\n');
  };
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const auto& t = texts[i];
    check(format_msg(static_cast<int>(i), {t, texts[(i * 7) % texts.size()]}), t);
    check(format_add_regexp(static_cast<int>(i), t), t);
    check(format_error(-static_cast<int>(i), t), t);
    check(format_start_regexp(static_cast<int>(i), t), t);
    check(format_direct(static_cast<int>(i), t), t);
    const auto ce = format_compile_error(static_cast<int>(i), t, t);
    EXPECT_EQ(count_lf(ce), 1u);
    EXPECT_EQ(decode_frame(std::string_view(ce).substr(0, ce.size() - 1)).kind, Kind::kFrame);
  }
  EXPECT_GT(formatted, 1000);
}

TEST(Codec, DecodesWhatItFormats) {
  std::mt19937 rng(777);
  const std::string alphabet = "ab \r\x02\xe9\xff\t"s;  // everything allowed in a text
  for (int i = 0; i < 1000; ++i) {
    Args args(rng() % 5);
    for (auto& a : args) {
      a.resize(rng() % 6);
      for (char& c : a) c = alphabet[rng() % alphabet.size()];
    }
    const int id = static_cast<int>(rng());
    const auto wire = format_msg(id, args);
    ASSERT_TRUE(wire);
    const Frame f = decode_ok(*wire);
    EXPECT_EQ(f.type, MsgType::kMsg);
    EXPECT_EQ(f.id, id);
    EXPECT_EQ(split_msg_args(f.payload), args);

    const std::string text = args.empty() ? "" : args[0];
    const auto direct = format_direct(id, text);
    ASSERT_TRUE(direct);
    const Frame d = decode_ok(*direct);
    EXPECT_EQ(d.type, MsgType::kDirectMsg);
    EXPECT_EQ(d.id, id);
    EXPECT_EQ(d.payload, text);
  }
}

TEST(Codec, NamesEveryType) {
  EXPECT_EQ(msg_type_name(MsgType::kBye), "BYE");
  EXPECT_EQ(msg_type_name(MsgType::kAddRegexp), "ADD_REGEXP");
  EXPECT_EQ(msg_type_name(MsgType::kMsg), "MSG");
  EXPECT_EQ(msg_type_name(MsgType::kError), "ERROR");
  EXPECT_EQ(msg_type_name(MsgType::kDelRegexp), "DEL_REGEXP");
  EXPECT_EQ(msg_type_name(MsgType::kEndRegexp), "END_REGEXP");
  EXPECT_EQ(msg_type_name(MsgType::kStartRegexp), "START_REGEXP");
  EXPECT_EQ(msg_type_name(MsgType::kDirectMsg), "DIRECT_MSG");
  EXPECT_EQ(msg_type_name(MsgType::kDie), "DIE");
  EXPECT_EQ(msg_type_name(MsgType::kPing), "PING");
  EXPECT_EQ(msg_type_name(MsgType::kPong), "PONG");
  EXPECT_EQ(msg_type_name(static_cast<MsgType>(11)), "UNKNOWN");
}

}  // namespace
}  // namespace ivy
