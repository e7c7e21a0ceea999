#include "core/backoff.hpp"

#include <gtest/gtest.h>

namespace ivy {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, FirstDelayIsMinimumWithMiddleJitter) {
  Backoff b(milliseconds(1000), milliseconds(30000));
  EXPECT_EQ(b.next(0.5), milliseconds(1000));
}

TEST(Backoff, DoublesUpToTheCeiling) {
  Backoff b(milliseconds(1000), milliseconds(30000));
  std::vector<long> delays;
  for (int i = 0; i < 8; ++i) delays.push_back(b.next(0.5).count());
  EXPECT_EQ(delays, (std::vector<long>{1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000}));
  EXPECT_EQ(b.attempts(), 8u);
}

TEST(Backoff, JitterStaysWithinQuarterAndBounds) {
  Backoff b(milliseconds(1000), milliseconds(30000));
  b.next(0.5);
  EXPECT_EQ(b.next(0.0), milliseconds(1500));  // base 2000, -25 %
  EXPECT_EQ(b.next(0.999999).count(), 4999);   // base 4000, +25 %
  Backoff low(milliseconds(1000), milliseconds(30000));
  EXPECT_EQ(low.next(0.0), milliseconds(1000));  // never below min
  Backoff high(milliseconds(1000), milliseconds(1000));
  EXPECT_EQ(high.next(1.0), milliseconds(1000));  // never above max
}

TEST(Backoff, ResetGoesBackToMinimum) {
  Backoff b(milliseconds(10), milliseconds(1000));
  for (int i = 0; i < 5; ++i) b.next(0.5);
  b.reset();
  EXPECT_EQ(b.attempts(), 0u);
  EXPECT_EQ(b.next(0.5), milliseconds(10));
}

TEST(Backoff, ManyAttemptsDoNotOverflow) {
  Backoff b(milliseconds(10), milliseconds(3'600'000));
  milliseconds last{0};
  for (int i = 0; i < 1000; ++i) last = b.next(0.5);
  EXPECT_EQ(last, milliseconds(3'600'000));
}

TEST(Backoff, OutOfRangeRandomIsClamped) {
  Backoff b(milliseconds(100), milliseconds(1000));
  EXPECT_EQ(b.next(-3.0), milliseconds(100));
  EXPECT_EQ(b.next(7.0), milliseconds(250));
}

}  // namespace
}  // namespace ivy
