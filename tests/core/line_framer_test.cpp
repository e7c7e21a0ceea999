#include "core/line_framer.hpp"

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace ivy {
namespace {

using namespace std::string_literals;

// A real link opening as ivy-c sends it (§5.1, §6.4, §7.4): START, one ADD,
// END, a MSG, a PING and a BYE. Hex escapes are split from the text after them.
const std::string kStream =
    "6 39931\x02" "CPROBE\n"
    "1 0\x02" "^CTEST (.*)\n"
    "5 0\x02\n"
    "2 4\x02" "dle\x03\n"
    "9 1\x02\n"
    "0 0\x02\n"s;

const std::vector<std::string> kStreamFrames = {
    "6 39931\x02" "CPROBE"s,
    "1 0\x02" "^CTEST (.*)"s,
    "5 0\x02"s,
    "2 4\x02" "dle\x03"s,
    "9 1\x02"s,
    "0 0\x02"s,
};

std::vector<std::string> drain(LineFramer& framer) {
  std::vector<std::string> frames;
  while (auto line = framer.next()) frames.emplace_back(*line);
  return frames;
}

std::vector<std::string> feed_in_chunks(LineFramer& framer, std::string_view bytes,
                                        const std::vector<std::size_t>& cuts) {
  std::vector<std::string> frames;
  std::size_t from = 0;
  for (std::size_t cut : cuts) {
    framer.feed(bytes.substr(from, cut - from));
    for (auto& f : drain(framer)) frames.push_back(std::move(f));
    from = cut;
  }
  framer.feed(bytes.substr(from));
  for (auto& f : drain(framer)) frames.push_back(std::move(f));
  return frames;
}

TEST(LineFramer, ReturnsEveryFrameOfOneChunk) {
  LineFramer framer;
  framer.feed(kStream);
  EXPECT_EQ(drain(framer), kStreamFrames);
  EXPECT_EQ(framer.buffered_bytes(), 0u);
  EXPECT_EQ(framer.oversized_frames(), 0u);
}

TEST(LineFramer, ReturnsEveryFrameFedByteByByte) {
  LineFramer framer;
  std::vector<std::string> frames;
  for (char c : kStream) {
    framer.feed(std::string_view(&c, 1));
    for (auto& f : drain(framer)) frames.push_back(std::move(f));
  }
  EXPECT_EQ(frames, kStreamFrames);
  EXPECT_EQ(framer.buffered_bytes(), 0u);
}

TEST(LineFramer, SplitsLineAcrossReads) {
  // ivy-c writes a MSG as two segments: "2 <id>\x02", then the arguments + LF (§3.2).
  LineFramer framer;
  framer.feed("2 4\x02");
  EXPECT_FALSE(framer.next());
  EXPECT_EQ(framer.buffered_bytes(), 4u);
  framer.feed("dle\x03\n");
  auto line = framer.next();
  ASSERT_TRUE(line);
  EXPECT_EQ(*line,
            "2 4\x02" "dle\x03"s);
  EXPECT_FALSE(framer.next());
}

TEST(LineFramer, ReturnsTheSameFramesAtEverySplitPoint) {
  for (std::size_t i = 0; i <= kStream.size(); ++i) {
    LineFramer framer;
    EXPECT_EQ(feed_in_chunks(framer, kStream, {i}), kStreamFrames) << "split at " << i;
  }
}

TEST(LineFramer, ReturnsTheSameFramesAtEveryPairOfSplitPoints) {
  for (std::size_t i = 0; i <= kStream.size(); ++i) {
    for (std::size_t j = i; j <= kStream.size(); ++j) {
      LineFramer framer;
      ASSERT_EQ(feed_in_chunks(framer, kStream, {i, j}), kStreamFrames)
          << "splits at " << i << ", " << j;
    }
  }
}

TEST(LineFramer, KeepsAPartialLineUntilItsLf) {
  LineFramer framer;
  framer.feed(
      "5 0\x02\n"
      "2 4\x02" "dl"s);
  EXPECT_EQ(drain(framer), std::vector<std::string>{"5 0\x02"s});
  EXPECT_EQ(framer.buffered_bytes(), 6u);
  framer.feed("e\x03");
  EXPECT_FALSE(framer.next());
  framer.feed("\n");
  EXPECT_EQ(drain(framer), std::vector<std::string>{"2 4\x02" "dle\x03"s});
}

TEST(LineFramer, ReturnsAnEmptyLineAsAnEmptyFrame) {
  LineFramer framer;
  framer.feed("\n\n");
  EXPECT_EQ(drain(framer), (std::vector<std::string>{"", ""}));
}

TEST(LineFramer, KeepsCrAndBinaryBytesAsData) {
  // No one strips CR (§3.5); Latin-1, invalid UTF-8, STX and NUL stay bytes.
  const std::string line =
      "2 4\x02" "caf\xe9\r\x03\xff\xfe\x02\0x\x03"s;
  LineFramer framer;
  framer.feed(line + "\r\n");
  EXPECT_EQ(drain(framer), std::vector<std::string>{line + "\r"});
}

TEST(LineFramer, DoesNotReturnBytesWithoutLf) {
  LineFramer framer;
  framer.feed(
      "2 4\x02" "dle\x03"s);
  EXPECT_FALSE(framer.next());
  EXPECT_FALSE(framer.next());
  EXPECT_EQ(framer.buffered_bytes(), 8u);
}

TEST(LineFramer, AcceptsAFrameOfExactlyTheMaximum) {
  LineFramer framer(8);
  framer.feed("12345678\n");
  EXPECT_EQ(drain(framer), std::vector<std::string>{"12345678"});
  EXPECT_EQ(framer.oversized_frames(), 0u);
}

TEST(LineFramer, AcceptsAnOpenFrameOfExactlyTheMaximumFedByteByByte) {
  LineFramer framer(8);
  for (char c : std::string("12345678\n")) {
    framer.feed(std::string_view(&c, 1));
    if (c != '\n') {
      EXPECT_FALSE(framer.next());
    }
  }
  EXPECT_EQ(drain(framer), std::vector<std::string>{"12345678"});
  EXPECT_EQ(framer.oversized_frames(), 0u);
}

TEST(LineFramer, SkipsAndCountsAnOversizeFrameInOneChunk) {
  LineFramer framer(16);
  framer.feed("5 0\x02\n" + std::string(17, 'x') + "\n" +
              "2 4\x02" "dle\x03\n"s);
  EXPECT_EQ(drain(framer), (std::vector<std::string>{"5 0\x02"s,
                                                     "2 4\x02" "dle\x03"s}));
  EXPECT_EQ(framer.oversized_frames(), 1u);
  EXPECT_EQ(framer.buffered_bytes(), 0u);
}

TEST(LineFramer, SkipsAndCountsAnOversizeFrameFedByteByByte) {
  LineFramer framer(16);
  const std::string bytes = "5 0\x02\n"s + std::string(100, 'x') + "\n" +
                            "2 4\x02" "dle\x03\n"s;
  std::vector<std::string> frames;
  for (char c : bytes) {
    framer.feed(std::string_view(&c, 1));
    for (auto& f : drain(framer)) frames.push_back(std::move(f));
    EXPECT_LE(framer.buffered_bytes(), 17u);  // memory stays bounded while skipping
  }
  EXPECT_EQ(frames, (std::vector<std::string>{"5 0\x02"s,
                                              "2 4\x02" "dle\x03"s}));
  EXPECT_EQ(framer.oversized_frames(), 1u);
}

TEST(LineFramer, SkipsAnOversizeFrameSplitAnywhere) {
  const std::string bytes = "9 1\x02\n"s + std::string(40, 'y') + "\n" + "0 0\x02\n"s;
  for (std::size_t i = 0; i <= bytes.size(); ++i) {
    LineFramer framer(16);
    EXPECT_EQ(feed_in_chunks(framer, bytes, {i}),
              (std::vector<std::string>{"9 1\x02"s, "0 0\x02"s}))
        << "split at " << i;
    EXPECT_EQ(framer.oversized_frames(), 1u) << "split at " << i;
  }
}

TEST(LineFramer, CountsEachOversizeFrame) {
  LineFramer framer(4);
  framer.feed("aaaaa\nbbbbbbbbbb\nok\ncccccc");
  EXPECT_EQ(drain(framer), std::vector<std::string>{"ok"});
  framer.feed("cccc\nlast\n");
  EXPECT_EQ(drain(framer), std::vector<std::string>{"last"});
  EXPECT_EQ(framer.oversized_frames(), 3u);
}

TEST(LineFramer, KeepsReturnedViewsValidUntilTheNextFeed) {
  // Regression: next() used to clear the buffer when it found an over-long
  // open frame, overwriting the first byte of a view it had just returned.
  LineFramer framer(8);
  framer.feed(
      "2 4\x02" "dle\n" +
      std::string(20, 'x'));
  auto first = framer.next();
  ASSERT_TRUE(first);
  EXPECT_FALSE(framer.next());  // finds the open over-long frame
  EXPECT_EQ(*first,
            "2 4\x02" "dle"s);
  EXPECT_EQ(framer.oversized_frames(), 1u);
  framer.feed("xx\n5 0\x02\n"s);
  EXPECT_EQ(drain(framer), std::vector<std::string>{"5 0\x02"s});
}

TEST(LineFramer, KeepsAllViewsOfOneFeedValid) {
  LineFramer framer;
  framer.feed(kStream);
  std::vector<std::string_view> views;
  while (auto line = framer.next()) views.push_back(*line);
  ASSERT_EQ(views.size(), kStreamFrames.size());
  for (std::size_t i = 0; i < views.size(); ++i) EXPECT_EQ(views[i], kStreamFrames[i]);
}

TEST(LineFramer, HandlesManyFramesAcrossCompactions) {
  // Odd-sized chunks make the consumed prefix and the open frame straddle
  // every compaction point.
  std::string bytes;
  std::vector<std::string> expected;
  for (int i = 0; i < 2000; ++i) {
    expected.push_back("2 " + std::to_string(i) + "\x02" + std::string(i % 37, 'a') + "\x03");
    bytes += expected.back() + "\n";
  }
  for (std::size_t chunk : {1u, 7u, 64u, 1000u, 4096u}) {
    LineFramer framer(64);
    std::vector<std::size_t> cuts;
    for (std::size_t c = chunk; c < bytes.size(); c += chunk) cuts.push_back(c);
    EXPECT_EQ(feed_in_chunks(framer, bytes, cuts), expected) << "chunk " << chunk;
    EXPECT_EQ(framer.oversized_frames(), 0u);
  }
}

TEST(LineFramer, ReportsItsMaximum) {
  EXPECT_EQ(LineFramer().max_frame_bytes(), LineFramer::kDefaultMaxFrameBytes);
  EXPECT_EQ(LineFramer(100).max_frame_bytes(), 100u);
}

}  // namespace
}  // namespace ivy
