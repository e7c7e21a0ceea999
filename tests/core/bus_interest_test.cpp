#include "core/bus_interest.hpp"

#include <gtest/gtest.h>

#include "core/bridge_policy.hpp"

namespace ivy {
namespace {

const std::string kMarker(kBridgeMarkerPattern);
using K = InterestChange::Kind;

TEST(BusInterest, UnionOfSubscriptionsWithChanges) {
  BusInterest b;
  EXPECT_EQ(b.add(1, 0, "^A"), (InterestChanges{{K::kAdded, "^A"}}));
  EXPECT_EQ(b.add(2, 0, "^A"), InterestChanges{});
  EXPECT_TRUE(b.wanted("A1"));
  EXPECT_EQ(b.remove(1, 0), InterestChanges{});
  EXPECT_EQ(b.remove_peer(2), (InterestChanges{{K::kRemoved, "^A"}}));
  EXPECT_FALSE(b.wanted("A1"));
}

TEST(BusInterest, AddWithKnownIdReplaces) {
  BusInterest b;
  b.add(1, 3, "^OLD");
  EXPECT_EQ(b.add(1, 3, "^NEW"), (InterestChanges{{K::kRemoved, "^OLD"}, {K::kAdded, "^NEW"}}));
  EXPECT_FALSE(b.wanted("OLD"));
  EXPECT_TRUE(b.wanted("NEW"));
}

TEST(BusInterest, MarkerMakesPeerABridgeAgent) {
  BusInterest b;
  EXPECT_EQ(b.add(7, 0, kMarker), InterestChanges{});
  EXPECT_TRUE(b.is_bridge_agent(7));
  EXPECT_EQ(b.add(7, 1, "(.*)"), InterestChanges{});  // never mirrored
  EXPECT_FALSE(b.wanted("x"));
  EXPECT_FALSE(b.is_bridge_agent(8));
}

TEST(BusInterest, LateMarkerRetractsEarlierSubscriptions) {
  BusInterest b;
  b.add(7, 1, "(.*)");  // ivy-c sends newest first: the marker may come last
  EXPECT_TRUE(b.wanted("x"));
  EXPECT_EQ(b.add(7, 0, kMarker), (InterestChanges{{K::kRemoved, "(.*)"}}));
  EXPECT_FALSE(b.wanted("x"));
  EXPECT_EQ(b.remove_peer(7), InterestChanges{});
  EXPECT_FALSE(b.is_bridge_agent(7));
}

TEST(BusInterest, UnknownRemovalsAreIgnored) {
  BusInterest b;
  EXPECT_EQ(b.remove(1, 1), InterestChanges{});
  EXPECT_EQ(b.remove_peer(1), InterestChanges{});
}

}  // namespace
}  // namespace ivy
