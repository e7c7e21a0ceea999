// DropTally: per-peer spans of dropped frames, closed on drain, on close,
// and when a second old (daemon/service/drop_tally.hpp).
#include "daemon/service/drop_tally.hpp"

#include <gtest/gtest.h>

namespace ivy::daemon {
namespace {

using storage::Stamp;

constexpr std::int64_t kMs = 1'000'000;

// Wall and monotonic clocks apart, to see which one each field comes from.
Stamp at_ms(std::int64_t ms) { return Stamp{1'795'600'800'000'000'000 + ms * kMs, ms * kMs}; }

TEST(DropTally, SumsAPeersDropsIntoOneSpanUntilItIsTaken) {
  DropTally tally;
  for (int i = 0; i < 500; ++i) EXPECT_FALSE(tally.add(7, at_ms(100 + i)));
  const auto span = tally.take(7);
  ASSERT_TRUE(span);
  EXPECT_EQ(span->agent, 7u);
  EXPECT_EQ(span->dropped, 500u);
  EXPECT_EQ(span->from.wall_ns, at_ms(100).wall_ns);
  EXPECT_EQ(span->from.mono_ns, at_ms(100).mono_ns);
  EXPECT_EQ(span->to.wall_ns, at_ms(599).wall_ns);
  EXPECT_FALSE(tally.take(7)) << "taken once";
  EXPECT_TRUE(tally.empty());
}

TEST(DropTally, KeepsPeersApart) {
  DropTally tally;
  tally.add(1, at_ms(0));
  tally.add(2, at_ms(1));
  tally.add(1, at_ms(2));
  EXPECT_EQ(tally.take(1)->dropped, 2u);
  EXPECT_EQ(tally.take(2)->dropped, 1u);
  EXPECT_FALSE(tally.take(3));
}

TEST(DropTally, ADropThatMakesTheSpanASecondOldClosesIt) {
  DropTally tally;
  EXPECT_FALSE(tally.add(1, at_ms(0)));
  EXPECT_FALSE(tally.add(1, at_ms(999)));
  const auto span = tally.add(1, at_ms(1000));
  ASSERT_TRUE(span);
  EXPECT_EQ(span->dropped, 3u);
  EXPECT_EQ(span->to.mono_ns, at_ms(1000).mono_ns);
  EXPECT_TRUE(tally.empty());
  EXPECT_FALSE(tally.add(1, at_ms(1001)));  // the next drop opens a new one
  EXPECT_EQ(tally.take(1)->from.mono_ns, at_ms(1001).mono_ns);
}

TEST(DropTally, ADropEveryMillisecondForTenSecondsIsTenSpans) {
  DropTally tally;
  std::size_t spans = 0;
  std::uint64_t frames = 0;
  for (int ms = 0; ms < 10'000; ++ms) {
    if (auto span = tally.add(1, at_ms(ms))) {
      ++spans;
      frames += span->dropped;
    }
  }
  for (const auto& span : tally.take_all()) {
    ++spans;
    frames += span.dropped;
  }
  EXPECT_EQ(frames, 10'000u);
  EXPECT_LE(spans, 11u);
  EXPECT_GE(spans, 10u);
}

TEST(DropTally, TakeDueReturnsOnlySpansASecondOld) {
  DropTally tally;
  tally.add(1, at_ms(0));
  tally.add(2, at_ms(600));
  EXPECT_TRUE(tally.take_due(at_ms(999)).empty());
  const auto due = tally.take_due(at_ms(1000));
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].agent, 1u);
  EXPECT_EQ(tally.take_due(at_ms(1600)).at(0).agent, 2u);
  EXPECT_TRUE(tally.empty());
}

TEST(DropTally, TheSpanLengthIsAParameter) {
  DropTally tally(std::chrono::milliseconds(10));
  tally.add(1, at_ms(0));
  EXPECT_TRUE(tally.add(1, at_ms(10)));
}

}  // namespace
}  // namespace ivy::daemon
