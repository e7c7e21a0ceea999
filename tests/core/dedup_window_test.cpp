#include "core/dedup_window.hpp"

#include <string>

#include <gtest/gtest.h>

namespace ivy {
namespace {

using namespace std::chrono_literals;
using Time = DedupWindow::Time;

TEST(DedupWindow, FirstCopyIsCarried) {
  DedupWindow w;
  EXPECT_FALSE(w.is_duplicate("HELLO 1", "agentA", "bus:a", Time(0)));
}

TEST(DedupWindow, CopyByAnotherPathWithinWindowIsDuplicate) {
  DedupWindow w;
  EXPECT_FALSE(w.is_duplicate("HELLO 1", "agentA", "bus:a", Time(0)));
  EXPECT_TRUE(w.is_duplicate("HELLO 1", "agentA", "link:x", Time(1s)));
  EXPECT_EQ(w.duplicates(), 1u);
}

TEST(DedupWindow, RepeatBySamePathIsCarried) {
  DedupWindow w;
  EXPECT_FALSE(w.is_duplicate("TICK", "clock", "bus:a", Time(0)));
  EXPECT_FALSE(w.is_duplicate("TICK", "clock", "bus:a", Time(100ms)));
  EXPECT_FALSE(w.is_duplicate("TICK", "clock", "bus:a", Time(200ms)));
}

TEST(DedupWindow, CopyAfterWindowIsCarried) {
  DedupWindow w;
  EXPECT_FALSE(w.is_duplicate("X", "a", "bus:a", Time(0)));
  EXPECT_FALSE(w.is_duplicate("X", "a", "bus:b", Time(2s)));
}

TEST(DedupWindow, DifferentOriginIsNotDuplicate) {
  DedupWindow w;
  EXPECT_FALSE(w.is_duplicate("X", "a", "bus:a", Time(0)));
  EXPECT_FALSE(w.is_duplicate("X", "b", "bus:b", Time(1ms)));
  EXPECT_FALSE(w.is_duplicate("Xa", "", "bus:b", Time(1ms)));  // text/origin boundary
}

TEST(DedupWindow, ExpiredEntriesAreEvicted) {
  DedupWindow w;
  for (int i = 0; i < 100; ++i) (void)w.is_duplicate("M" + std::to_string(i), "a", "p", Time(0));
  EXPECT_EQ(w.size(), 100u);
  (void)w.is_duplicate("late", "a", "p", Time(3s));
  EXPECT_EQ(w.size(), 1u);
}

TEST(DedupWindow, EntryCountIsCapped) {
  DedupWindow w(DedupWindow::Options{2s, 10});
  for (int i = 0; i < 1000; ++i) (void)w.is_duplicate("M" + std::to_string(i), "a", "p", Time(i));
  EXPECT_LE(w.size(), 11u);
}

TEST(DedupWindow, RepeatsKeepTheEntryFresh) {
  DedupWindow w;
  EXPECT_FALSE(w.is_duplicate("T", "a", "p1", Time(0)));
  EXPECT_FALSE(w.is_duplicate("T", "a", "p1", Time(1500ms)));
  // 2.5 s after the first copy but 1 s after the latest one.
  EXPECT_TRUE(w.is_duplicate("T", "a", "p2", Time(2500ms)));
}

}  // namespace
}  // namespace ivy
