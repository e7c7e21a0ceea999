#include "storage/memory_recorder.hpp"

#include <gtest/gtest.h>

#include "tests/storage/test_support.hpp"

namespace ivy::storage {
namespace {

using namespace testing;

TEST(MemoryRecorder, KeepsRecordsInOrder) {
  MemoryRecorder sink;
  EXPECT_TRUE(sink.try_append(join(1, "A")));
  EXPECT_TRUE(sink.try_append(message(1, "hello", 2)));
  const auto records = sink.records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<AgentEvent>(records[0]));
  EXPECT_EQ(std::get<MessageRecord>(records[1]).text, "hello");
  EXPECT_EQ(sink.stats().written, 2u);
  EXPECT_TRUE(sink.flush(std::chrono::milliseconds(1)));
}

TEST(MemoryRecorder, WhenFullDropsThenRecordsGap) {
  MemoryRecorder sink(1);
  EXPECT_TRUE(sink.try_append(message(1, "a", 1)));
  EXPECT_FALSE(sink.try_append(message(1, "b", 2)));
  sink.clear();
  EXPECT_TRUE(sink.try_append(message(1, "c", 3)));
  const auto records = sink.records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(std::get<GapRecord>(records[0]).dropped, 1u);
  EXPECT_EQ(sink.stats().dropped, 1u);
}

TEST(MemoryRecorder, RefusesAfterClose) {
  MemoryRecorder sink;
  sink.close();
  EXPECT_FALSE(sink.try_append(message(1, "a", 1)));
}

}  // namespace
}  // namespace ivy::storage
