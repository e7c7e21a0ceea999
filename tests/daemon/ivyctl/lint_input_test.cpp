// Reading the daemon's "subscriptions" answer (daemon/ivyctl/lint_input.cpp).
#include "daemon/ivyctl/lint_input.hpp"

#include <gtest/gtest.h>

namespace ivy::ctl {
namespace {

TEST(LintInput, ReadsEveryPeersSubscriptionsByBus) {
  const auto subs = subscriptions_from_daemon(R"J({"buses": [
      {"id": "main", "spec": "127.255.255.255:2010", "peers": [
        {"name": "A", "app_id": "a1", "host": "h", "port": 1, "subscriptions": [{"id": 0, "pattern": "^x"}, {"id": 4, "pattern": "(.*)"}]},
        {"name": "B", "app_id": "b1", "subscriptions": []}]},
      {"id": "side", "peers": [{"name": "C", "app_id": "c1", "subscriptions": [{"id": 2, "pattern": "^y"}]}]}]})J");
  ASSERT_TRUE(subs) << subs.error().message;
  ASSERT_EQ(subs->size(), 3u);
  EXPECT_EQ((*subs)[1].bus, "main");
  EXPECT_EQ((*subs)[1].agent, "A");
  EXPECT_EQ((*subs)[1].app_id, "a1");
  EXPECT_EQ((*subs)[1].regexp_id, 4);
  EXPECT_EQ((*subs)[1].pattern, "(.*)");
  EXPECT_FALSE((*subs)[1].matches);
  EXPECT_EQ((*subs)[2].bus, "side");
}

TEST(LintInput, AnErrorAnswerSaysSo) {
  const auto subs = subscriptions_from_daemon(R"({"error": "unknown request 'subscriptions'"})");
  ASSERT_FALSE(subs);
  EXPECT_NE(subs.error().message.find("unknown request 'subscriptions'"), std::string::npos);
}

TEST(LintInput, GarbageIsAnErrorAndOddEntriesAreSkipped) {
  EXPECT_FALSE(subscriptions_from_daemon("not json"));
  EXPECT_FALSE(subscriptions_from_daemon("[1, 2]"));
  EXPECT_FALSE(subscriptions_from_daemon(R"({"buses": 3})"));
  const auto subs = subscriptions_from_daemon(
      R"({"buses": [7, {"peers": [null, {"subscriptions": [{"pattern": "no id"}, {"id": "x"}, {"id": 1, "pattern": "^ok"}]}]}]})");
  ASSERT_TRUE(subs);
  ASSERT_EQ(subs->size(), 1u);
  EXPECT_EQ((*subs)[0].pattern, "^ok");
}

}  // namespace
}  // namespace ivy::ctl
