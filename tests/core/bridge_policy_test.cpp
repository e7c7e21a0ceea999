#include "core/bridge_policy.hpp"

#include <gtest/gtest.h>

namespace ivy {
namespace {

BridgePolicyOptions opts(BridgeWay way, std::vector<std::string> include = {}, std::vector<std::string> exclude = {},
                         std::string add_prefix = {}, std::string strip_prefix = {}) {
  BridgePolicyOptions o;
  o.way = way;
  o.include = std::move(include);
  o.exclude = std::move(exclude);
  o.add_prefix = std::move(add_prefix);
  o.strip_prefix = std::move(strip_prefix);
  return o;
}

constexpr auto kBoth = BridgeWay::kBoth;

BridgePolicy make(BridgePolicyOptions options) {
  auto p = BridgePolicy::create(std::move(options));
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
  return std::move(p).value();
}

std::string carried(const BridgePolicy& p, BridgeFlow flow, std::string_view text) {
  auto r = p.decide(flow, text, MessageSource::kAgent);
  return r ? *r : "<" + std::string(skip_reason_name(r.error())) + ">";
}

TEST(BridgePolicy, CarriesOriginalTextBothWaysByDefault) {
  auto p = make({});
  EXPECT_EQ(carried(p, BridgeFlow::kOut, "HELLO world 42"), "HELLO world 42");
  EXPECT_EQ(carried(p, BridgeFlow::kIn, "HELLO world 42"), "HELLO world 42");
}

TEST(BridgePolicy, DirectionLimitsTheFlow) {
  auto out = make(opts(BridgeWay::kOut));
  EXPECT_EQ(carried(out, BridgeFlow::kOut, "A"), "A");
  EXPECT_EQ(carried(out, BridgeFlow::kIn, "A"), "<direction>");
  auto in = make(opts(BridgeWay::kIn));
  EXPECT_EQ(carried(in, BridgeFlow::kOut, "A"), "<direction>");
  EXPECT_EQ(carried(in, BridgeFlow::kIn, "A"), "A");
}

TEST(BridgePolicy, NeverCarriesFromBridgeAgent) {
  auto p = make({});
  auto r = p.decide(BridgeFlow::kOut, "A", MessageSource::kBridgeAgent);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), SkipReason::kBridgeAgent);
}

TEST(BridgePolicy, IncludeAndExcludeFilterUnanchored) {
  auto p = make(opts(kBoth, {"^TELEMETRY ", "ALARM"}, {"DEBUG"}));
  EXPECT_EQ(carried(p, BridgeFlow::kOut, "TELEMETRY 1"), "TELEMETRY 1");
  EXPECT_EQ(carried(p, BridgeFlow::kOut, "X ALARM"), "X ALARM");
  EXPECT_EQ(carried(p, BridgeFlow::kOut, "OTHER"), "<not included>");
  EXPECT_EQ(carried(p, BridgeFlow::kOut, "TELEMETRY DEBUG"), "<excluded>");
}

TEST(BridgePolicy, FiltersSeeTextBeforePrefixChange) {
  auto p = make(opts(kBoth, {"^CMD "}, {}, "LAB ", "LAB "));
  EXPECT_EQ(carried(p, BridgeFlow::kOut, "CMD go"), "LAB CMD go");
  EXPECT_EQ(carried(p, BridgeFlow::kIn, "LAB CMD go"), "<not included>");
  auto q = make(opts(kBoth, {"^LAB CMD "}, {}, "", "LAB "));
  EXPECT_EQ(carried(q, BridgeFlow::kIn, "LAB CMD go"), "CMD go");
}

TEST(BridgePolicy, StripOnlyWhenTextStartsWithPrefix) {
  auto p = make(opts(kBoth, {}, {}, "", "LAB "));
  EXPECT_EQ(carried(p, BridgeFlow::kIn, "LAB X"), "X");
  EXPECT_EQ(carried(p, BridgeFlow::kIn, "OPS X"), "OPS X");
  EXPECT_EQ(carried(p, BridgeFlow::kIn, "LAB "), "<empty>");
  EXPECT_EQ(carried(p, BridgeFlow::kOut, "LAB X"), "LAB X");  // strip is for `in` only
}

TEST(BridgePolicy, BadFilterIsRefusedWithItsPattern) {
  auto p = BridgePolicy::create(opts(kBoth, {"(TELEMETRY"}));
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("(TELEMETRY"), std::string::npos);
}

TEST(BridgePolicy, CatastrophicFilterIsNotCarried) {
  auto p = make(opts(kBoth, {}, {"(a+)+$"}));
  EXPECT_EQ(carried(p, BridgeFlow::kOut, std::string(5000, 'a') + "b"), "<filter error>");
}

TEST(BridgePolicy, MarkerIsRecognisedExactly) {
  EXPECT_TRUE(is_bridge_marker("^IVYD_BRIDGE_AGENT 1$"));
  EXPECT_FALSE(is_bridge_marker("^IVYD_BRIDGE_AGENT 1"));
  EXPECT_FALSE(is_bridge_marker("(.*)"));
}

}  // namespace
}  // namespace ivy
