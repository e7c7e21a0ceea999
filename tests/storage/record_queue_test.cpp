#include "storage/record_queue.hpp"

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "tests/storage/test_support.hpp"

namespace ivy::storage {
namespace {

using namespace testing;
using std::chrono::steady_clock;

std::vector<Record> take_now(RecordQueue& q) {
  std::vector<Record> out;
  (void)q.wait_take(out, steady_clock::now());
  return out;
}

TEST(RecordQueue, DropsMessagesPastCapacityAndCountsThem) {
  RecordQueue q(2, 0, 100);
  EXPECT_TRUE(q.try_push(message(1, "a", 1)));
  EXPECT_TRUE(q.try_push(message(1, "b", 2)));
  EXPECT_FALSE(q.try_push(message(1, "c", 3)));
  EXPECT_FALSE(q.try_push(message(1, "d", 4)));
  EXPECT_EQ(q.dropped(), 2u);
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.peak(), 2u);
}

TEST(RecordQueue, KeepsControlRecordsInTheReserve) {
  RecordQueue q(1, 1, 100);
  EXPECT_TRUE(q.try_push(message(1, "a", 1)));
  EXPECT_FALSE(q.try_push(message(1, "b", 2)));
  EXPECT_TRUE(q.try_push(join(2, "late", 3)));
  EXPECT_FALSE(q.try_push(join(3, "later", 4)));
}

TEST(RecordQueue, KeepsDeliveryDropsInTheReserveLikeOtherControlRecords) {
  RecordQueue q(1, 1, 100);
  EXPECT_TRUE(q.try_push(message(1, "a", 1)));
  EXPECT_TRUE(q.try_push(DeliveryDropRecord{at_ns(2), at_ns(3), 1, 40}));
  const auto out = take_now(q);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(std::get<DeliveryDropRecord>(out[1]).dropped, 40u);
  EXPECT_EQ(stamp_of(out[1]).wall_ns, 3);  // its end, like a gap's
}

TEST(RecordQueue, PrecedesFirstRecordAfterDropsWithGap) {
  RecordQueue q(1, 0, 100);
  ASSERT_TRUE(q.try_push(message(1, "a", 10)));
  ASSERT_FALSE(q.try_push(message(1, "b", 20)));
  ASSERT_FALSE(q.try_push(message(1, "c", 30)));
  take_now(q);
  ASSERT_TRUE(q.try_push(message(1, "d", 40)));
  const auto out = take_now(q);
  ASSERT_EQ(out.size(), 2u);
  const auto* gap = std::get_if<GapRecord>(&out[0]);
  ASSERT_NE(gap, nullptr);
  EXPECT_EQ(gap->dropped, 2u);
  EXPECT_EQ(gap->from.wall_ns, 20);
  EXPECT_EQ(gap->to.wall_ns, 40);
  EXPECT_EQ(std::get<MessageRecord>(out[1]).text, "d");
}

TEST(RecordQueue, WakesConsumerWhenBatchRowsAreQueued) {
  RecordQueue q(100, 0, 3);
  std::vector<Record> out;
  std::thread producer([&] {
    for (int i = 0; i < 3; ++i) q.try_push(message(1, "x", i));
  });
  const auto start = steady_clock::now();
  while (out.size() < 3) q.wait_take(out, steady_clock::now() + std::chrono::seconds(5));
  producer.join();
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(RecordQueue, ReturnsFalseOnceClosedAndDrained) {
  RecordQueue q(10, 0, 10);
  q.try_push(message(1, "a", 1));
  EXPECT_FALSE(q.closed());
  q.close();
  EXPECT_TRUE(q.closed());
  EXPECT_FALSE(q.try_push(message(1, "b", 2)));
  std::vector<Record> out;
  EXPECT_TRUE(q.wait_take(out, steady_clock::now()));
  EXPECT_EQ(out.size(), 1u);
  out.clear();
  EXPECT_FALSE(q.wait_take(out, steady_clock::now()));
}

TEST(RecordQueue, TryPushNeverWaitsForTheConsumer) {
  RecordQueue q(1000, 0, 1'000'000);
  const auto start = steady_clock::now();
  for (int i = 0; i < 100'000; ++i) q.try_push(message(1, "payload", i));
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_EQ(q.dropped(), 99'000u);
}

}  // namespace
}  // namespace ivy::storage
