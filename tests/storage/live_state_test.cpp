#include "storage/live_state.hpp"

#include <gtest/gtest.h>

#include "tests/storage/test_support.hpp"

namespace ivy::storage {
namespace {

using namespace testing;

TEST(LiveState, TracksJoinsAndSubscriptions) {
  LiveState live;
  live.apply(join(1, "A", 1));
  live.apply(bind(1, 4, "^a", 2));
  live.apply(join(2, "B", 3));
  EXPECT_EQ(live.agents().size(), 2u);
  ASSERT_EQ(live.subscriptions().size(), 1u);
  EXPECT_EQ(live.subscriptions().begin()->second.pattern, "^a");
}

TEST(LiveState, LeaveDropsAgentAndItsSubscriptions) {
  LiveState live;
  live.apply(join(1, "A", 1));
  live.apply(join(2, "B", 1));
  live.apply(bind(1, 4, "^a", 2));
  live.apply(bind(2, 4, "^b", 2));
  live.apply(leave(1, LeaveHow::kBye, 3));
  EXPECT_EQ(live.agents().count(1), 0u);
  ASSERT_EQ(live.subscriptions().size(), 1u);
  EXPECT_EQ(live.subscriptions().begin()->first.first, 2u);
}

TEST(LiveState, SecondJoinUpdatesIdentityButKeepsJoinTime) {
  LiveState live;
  live.apply(join(1, "A", 1));
  live.apply(join(1, "A-renamed", 9));
  EXPECT_EQ(live.agents().at(1).ref.name, "A-renamed");
  EXPECT_EQ(live.agents().at(1).joined.wall_ns, 1);
}

TEST(LiveState, UnbindRemovesOneSubscription) {
  LiveState live;
  live.apply(bind(1, 4, "^a", 2));
  live.apply(bind(1, 5, "^b", 2));
  live.apply(unbind(1, 4, 3));
  ASSERT_EQ(live.subscriptions().size(), 1u);
  EXPECT_EQ(live.subscriptions().begin()->first.second, 5);
}

}  // namespace
}  // namespace ivy::storage
