#include "config/config.hpp"

#include <gtest/gtest.h>

namespace ivy::config {
namespace {

TEST(Config, DefaultConfigHasOneDefaultBus) {
  Config config = default_config();
  ASSERT_EQ(config.buses.size(), 1u);
  EXPECT_EQ(config.buses[0].id, "main");
  EXPECT_EQ(config.buses[0].spec, "127.255.255.255:2010");
  EXPECT_EQ(config.buses[0].name, "ivyd");
  EXPECT_FALSE(config.buses[0].ready_message);
  EXPECT_EQ(config.buses[0].die_policy, DiePolicy::kIgnore);
  EXPECT_EQ(config.buses[0].capture_mode, CaptureMode::kAllGroups);
  EXPECT_TRUE(config.buses[0].record);
  EXPECT_TRUE(config.bridges.empty());
  EXPECT_TRUE(config.allowed_networks.empty());
}

TEST(Config, DefaultRecorderWritesIvydDbWithNoRotation) {
  RecorderConfig recorder = default_config().recorder;
  EXPECT_TRUE(recorder.enabled);
  EXPECT_EQ(recorder.path, "ivyd.db");
  EXPECT_EQ(recorder.queue_size, 65536u);
  EXPECT_EQ(recorder.batch_rows, 2000u);
  EXPECT_EQ(recorder.batch_interval, std::chrono::milliseconds(50));
  EXPECT_EQ(recorder.rotate_bytes, 0u);
  EXPECT_EQ(recorder.rotate_interval.count(), 0);
  EXPECT_EQ(recorder.retain_duration.count(), 0);
  EXPECT_EQ(recorder.retain_bytes, 0u);
}

TEST(Config, DefaultStatusLimitsAndLogging) {
  Config config = default_config();
  EXPECT_TRUE(config.status.enabled);
  EXPECT_EQ(config.status.path, "/run/ivyd/ivyd.sock");
  EXPECT_EQ(config.status.mode, 0660u);
  EXPECT_EQ(config.status.group, "ivyd");
  EXPECT_EQ(config.logging.level, LogLevel::kInfo);
  EXPECT_EQ(config.limits.max_frame_bytes, 16u * 1024 * 1024);
  EXPECT_EQ(config.limits.max_subscriptions_per_peer, 10000u);
  EXPECT_EQ(config.limits.max_peers, 1024u);
  EXPECT_EQ(config.limits.peer_queue_bytes, 8u * 1024 * 1024);
  EXPECT_EQ(config.limits.stall_timeout, std::chrono::seconds(30));
  EXPECT_EQ(config.limits.tcp_keepalive, std::chrono::seconds(60));
}

TEST(Config, DefaultLinkBacksOffFromOneToThirtySeconds) {
  LinkConfig link;
  EXPECT_EQ(link.reconnect_min, std::chrono::milliseconds(1000));
  EXPECT_EQ(link.reconnect_max, std::chrono::milliseconds(30000));
  EXPECT_EQ(link.keepalive, std::chrono::seconds(5));
  EXPECT_EQ(link.outage_buffer_bytes, 1024u * 1024);
}

TEST(Config, EqualitySeesNestedChanges) {
  Config a = default_config();
  Config b = a;
  EXPECT_EQ(a, b);
  b.buses[0].ready_message = "ready";
  EXPECT_NE(a, b);
}

TEST(Config, EnumsPrintTheirJsonNames) {
  EXPECT_EQ(to_string(CaptureMode::kStrictC), "strict-c");
  EXPECT_EQ(to_string(DiePolicy::kExit), "exit");
  EXPECT_EQ(to_string(LogLevel::kWarning), "warning");
  EXPECT_EQ(to_string(BridgeDirection::kBoth), "both");
  EXPECT_EQ(to_string(BridgeMode::kInterest), "interest");
  EXPECT_EQ(to_string(BridgeType::kLink), "link");
  EXPECT_EQ(to_string(LinkRole::kListen), "listen");
}

}  // namespace
}  // namespace ivy::config
