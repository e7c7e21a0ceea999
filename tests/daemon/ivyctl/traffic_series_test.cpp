// What `ivyctl plot` draws, binned (daemon/ivyctl/traffic_series.cpp).
#include "daemon/ivyctl/traffic_series.hpp"

#include <numeric>

#include <gtest/gtest.h>

namespace ivy::ctl {
namespace {

constexpr std::int64_t kS = 1'000'000'000;
constexpr std::int64_t kT0 = 1'795'600'800 * kS;  // 2026-11-25T10:00:00Z

const NamedCounts* series(const std::vector<NamedCounts>& all, const std::string& name) {
  for (const auto& s : all) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::int64_t sum(const std::vector<std::int64_t>& v) {
  return std::accumulate(v.begin(), v.end(), std::int64_t{0});
}

TEST(TrafficSeries, MessageClassIsTheFirstWord) {
  EXPECT_EQ(message_class("TrackMovedEvent Flight=1 X=2"), "TrackMovedEvent");
  EXPECT_EQ(message_class("Tick"), "Tick");
  EXPECT_EQ(message_class(""), "(empty)");
  EXPECT_EQ(message_class(" leading"), "(empty)");
  EXPECT_EQ(message_class(std::string(100, 'x')), std::string(32, 'x'));
}

// 20 msg/s from A and 1 msg/s from B for a minute: 1 s bins, aligned on
// whole seconds, with the exact counts.
TEST(TrafficSeries, BinsOfANiceWidthWithExactCounts) {
  TrafficBinner b;
  for (std::int64_t ms = 0; ms < 60'000; ms += 50) {
    b.add_message(kT0 + ms * 1'000'000, "A", "pos 1");
    if (ms % 1000 == 0) b.add_message(kT0 + ms * 1'000'000, "B", "tick");
  }
  const TrafficSeries s = b.finish(100, 8);
  EXPECT_EQ(s.bin_ns, kS);
  EXPECT_EQ(s.start_ns, kT0);
  EXPECT_EQ(s.bins, 60u);
  EXPECT_EQ(s.messages, 1260);
  ASSERT_EQ(s.senders.size(), 2u);
  EXPECT_EQ(s.senders[0].name, "A");  // busiest first
  EXPECT_EQ(s.senders[0].total, 1200);
  for (std::size_t i = 0; i < s.bins; ++i) {
    EXPECT_EQ(s.senders[0].counts[i], 20) << i;
    EXPECT_EQ(s.senders[1].counts[i], 1) << i;
  }
  ASSERT_NE(series(s.classes, "pos"), nullptr);
  EXPECT_EQ(series(s.classes, "tick")->total, 60);
}

// A day of traffic stays within kMaxFineBins; nothing is lost in merging.
TEST(TrafficSeries, LongSpansWidenTheBinsAndKeepEveryMessage) {
  TrafficBinner b;
  std::int64_t sent = 0;
  for (std::int64_t s = 0; s < 86'400; s += 7) {
    b.add_message(kT0 + s * kS + 123, "A", "x");
    ++sent;
  }
  const TrafficSeries s = b.finish(100, 8);
  EXPECT_LE(s.bins, 100u);
  EXPECT_EQ(sum(s.senders[0].counts), sent);
  EXPECT_EQ(s.bin_ns % kS, 0) << "a whole number of seconds";
  EXPECT_EQ(s.start_ns % s.bin_ns, 0) << "aligned on the bin width";
  EXPECT_LE(s.start_ns, kT0 + 123);
  EXPECT_GT(s.end_ns(), kT0 + (86'400 - 7) * kS);
}

// Times out of order (a clock stepped back) still land in their bins.
TEST(TrafficSeries, EarlierTimesExtendTheFront) {
  TrafficBinner b;
  b.add_message(kT0 + 10 * kS, "A", "x");
  b.add_message(kT0, "A", "x");
  b.add_message(kT0 + 5 * kS, "A", "x");
  const TrafficSeries s = b.finish(10, 8);
  EXPECT_EQ(s.start_ns, kT0);
  EXPECT_EQ(s.bin_ns, 2 * kS);
  EXPECT_EQ(s.senders[0].counts, (std::vector<std::int64_t>{1, 0, 1, 0, 0, 1}));
}

TEST(TrafficSeries, TheBusiestSeriesAndTheOthers) {
  TrafficBinner b;
  for (int sender = 0; sender < 12; ++sender) {
    for (int i = 0; i <= sender; ++i)
      b.add_message(kT0 + i * kS, "S" + std::to_string(sender), "c" + std::to_string(sender));
  }
  const TrafficSeries s = b.finish(100, 3);
  ASSERT_EQ(s.senders.size(), 4u);
  EXPECT_EQ(s.senders[0].name, "S11");
  EXPECT_EQ(s.senders[2].name, "S9");
  EXPECT_EQ(s.senders[3].name, "(others)");
  EXPECT_EQ(s.senders[3].total, 78 - 12 - 11 - 10);
  EXPECT_EQ(s.classes.back().name, "(others)");
}

TEST(TrafficSeries, BeyondMaxSeriesNewcomersCountAsOthers) {
  TrafficBinner b(2);
  b.add_message(kT0, "A", "x");
  b.add_message(kT0, "B", "x");
  b.add_message(kT0, "C", "x");
  const TrafficSeries s = b.finish(10, 8);
  ASSERT_EQ(s.senders.size(), 3u);
  EXPECT_EQ(s.senders[2].name, "(others)");
  EXPECT_EQ(s.senders[2].total, 1);
}

TEST(TrafficSeries, JoinsLeavesAndGaps) {
  TrafficBinner b;
  b.add_mark(kT0, "A", true);
  b.add_message(kT0 + 5 * kS, "A", "x");
  b.add_gap(kT0 + 6 * kS, kT0 + 8 * kS, 42);
  b.add_mark(kT0 + 9 * kS, "A", false);
  const TrafficSeries s = b.finish(10, 8);
  EXPECT_EQ(s.bin_ns, kS);
  EXPECT_EQ(s.bins, 10u);
  EXPECT_EQ(s.joins[0], 1);
  EXPECT_EQ(s.leaves[9], 1);
  EXPECT_EQ(sum(s.joins) + sum(s.leaves), 2);
  ASSERT_EQ(s.marks.size(), 2u);
  EXPECT_EQ(s.mark_count, 2u);
  EXPECT_EQ(s.marks[1].agent, "A");
  EXPECT_FALSE(s.marks[1].joined);
  ASSERT_EQ(s.gaps.size(), 1u);
  EXPECT_EQ(s.gaps[0].lost, 42);
}

TEST(TrafficSeries, EmptyBinnerGivesAnEmptySeries) {
  TrafficBinner b;
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.finish(100, 8).bins, 0u);
  b.add_mark(kT0, "A", true);
  EXPECT_FALSE(b.empty());
  EXPECT_EQ(b.finish(100, 8).bins, 1u);
}

}  // namespace
}  // namespace ivy::ctl
