#include "core/outage_buffer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ivy {
namespace {

std::vector<std::string> drain(OutageBuffer<std::string>& buffer) {
  std::vector<std::string> out;
  while (!buffer.empty()) out.push_back(buffer.pop());
  return out;
}

TEST(OutageBuffer, KeepsItemsInOrderWithinTheBound) {
  OutageBuffer<std::string> buffer(10);
  EXPECT_EQ(buffer.push("abc"), 0u);
  EXPECT_EQ(buffer.push("defg"), 0u);
  EXPECT_EQ(buffer.size(), 2u);
  EXPECT_EQ(buffer.bytes(), 7u);
  EXPECT_EQ(buffer.front(), "abc");
  EXPECT_EQ(drain(buffer), (std::vector<std::string>{"abc", "defg"}));
  EXPECT_EQ(buffer.bytes(), 0u);
}

TEST(OutageBuffer, DropsTheOldestUntilANewItemFitsAndCountsThem) {
  OutageBuffer<std::string> buffer(10);
  (void)buffer.push("aaaa");
  (void)buffer.push("bbbb");
  EXPECT_EQ(buffer.push("cccccc"), 1u);  // 4 + 4 + 6 > 10: "aaaa" goes
  EXPECT_EQ(buffer.bytes(), 10u);
  EXPECT_EQ(buffer.push("dddddddddd"), 2u);  // exactly the bound: both others go
  EXPECT_EQ(drain(buffer), (std::vector<std::string>{"dddddddddd"}));
}

TEST(OutageBuffer, RefusesAnItemLargerThanTheBoundAndKeepsTheRest) {
  OutageBuffer<std::string> buffer(5);
  (void)buffer.push("ab");
  EXPECT_EQ(buffer.push("123456"), 1u);
  EXPECT_EQ(drain(buffer), (std::vector<std::string>{"ab"}));
}

TEST(OutageBuffer, ClearEmptiesItAndTheByteCount) {
  OutageBuffer<std::string> buffer(100);
  (void)buffer.push("x");
  (void)buffer.push("yz");
  buffer.clear();
  EXPECT_TRUE(buffer.empty());
  EXPECT_EQ(buffer.bytes(), 0u);
  EXPECT_EQ(buffer.push(std::string(100, 'q')), 0u);
}

struct Weighted {
  int id;
  std::size_t weight;
};
struct WeightOf {
  std::size_t operator()(const Weighted& w) const { return w.weight; }
};

TEST(OutageBuffer, WeighsItemsWithTheGivenMeasure) {
  OutageBuffer<Weighted, WeightOf> buffer(10);
  (void)buffer.push({1, 6});
  EXPECT_EQ(buffer.push({2, 5}), 1u);
  EXPECT_EQ(buffer.bytes(), 5u);
  EXPECT_EQ(buffer.pop().id, 2);
}

}  // namespace
}  // namespace ivy
