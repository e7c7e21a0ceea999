#include "daemon/bridges/mqtt/mqtt_options.hpp"

#include <gtest/gtest.h>

#include "tests/daemon/process_support.hpp"

namespace ivy::daemon::test {
namespace {

config::BridgeConfig gateway() {
  config::BridgeConfig b;
  b.id = "to-broker";
  b.type = config::BridgeType::kMqtt;
  b.bus = "main";
  b.direction = config::BridgeDirection::kOut;
  b.include = {"^TRACK"};
  b.add_prefix = "lab1.";
  b.mqtt.broker = "mqtts://broker.example:8884";
  b.mqtt.topic_prefix = "ivy/lab1";
  b.mqtt.qos = 0;
  b.mqtt.payload = config::MqttPayload::kJson;
  b.mqtt.subscribe = {"ivy/+/#"};
  return b;
}

TEST(MqttOptions, DefaultsComeFromTheHostAndTheBridgeId) {
  auto o = mqtt_bridge_options(gateway(), "lab-pc", MqttLimits{4096, 1 << 20});
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->id, "to-broker");
  EXPECT_EQ(o->client.client_id, "ivyd-lab-pc-to-broker");
  EXPECT_EQ(o->site, "lab-pc");
  EXPECT_EQ(o->client.broker, (config::BrokerUrl{true, "broker.example", 8884}));
  EXPECT_EQ(o->topic_prefix, "ivy/lab1");
  EXPECT_EQ(o->qos, 0);
  EXPECT_EQ(o->client.qos, 0);
  EXPECT_EQ(o->payload, MqttPayloadFormat::kJson);
  EXPECT_EQ(o->policy.way, BridgeWay::kOut);
  EXPECT_EQ(o->policy.include, std::vector<std::string>{"^TRACK"});
  EXPECT_EQ(o->policy.add_prefix, "lab1.");
  EXPECT_EQ(o->client.subscribe, std::vector<std::string>{"ivy/+/#"});
  EXPECT_EQ(o->max_in_flight_bytes, 4096u);
  EXPECT_EQ(o->client.max_packet_bytes, (1u << 20) + 128 * 1024);  // a frame plus its topic and properties
  EXPECT_FALSE(o->client.password.has_value());
}

TEST(MqttOptions, GivenValuesWinAndTheLargestPacketStaysWithinMqtt) {
  auto b = gateway();
  b.mqtt.client_id = "lab1-gateway";
  b.mqtt.site = "lab1";
  b.mqtt.session_expiry = std::chrono::hours(1);
  auto o = mqtt_bridge_options(b, "lab-pc", MqttLimits{4096, 1ull << 30});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->client.client_id, "lab1-gateway");
  EXPECT_EQ(o->site, "lab1");
  EXPECT_EQ(o->client.session_expiry_seconds, 3600u);
  EXPECT_EQ(o->client.max_packet_bytes, 268'435'455u);
}

TEST(MqttOptions, TheHostNameIsMadeFitForAClientId) {
  auto o = mqtt_bridge_options(gateway(), "odd\x01host", MqttLimits{});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->client.client_id, "ivyd-odd_host-to-broker");
}

TEST(MqttOptions, ThePasswordIsTheFirstLineOfItsFile) {
  ivy::test::TempDir dir;
  ivy::test::write_text_file(dir.file("pw"), "s3cret\r\nignored\n");
  auto b = gateway();
  b.mqtt.username = "lab";
  b.mqtt.password_file = dir.file("pw");
  auto o = mqtt_bridge_options(b, "h", MqttLimits{});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->client.username, "lab");
  EXPECT_EQ(o->client.password, "s3cret");
}

TEST(MqttOptions, AMissingOrEmptyPasswordFileIsAnErrorNamingTheBridge) {
  ivy::test::TempDir dir;
  auto b = gateway();
  b.mqtt.username = "lab";
  b.mqtt.password_file = dir.file("missing");
  auto o = mqtt_bridge_options(b, "h", MqttLimits{});
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.error().message, "bridge 'to-broker': cannot read password_file '" + dir.file("missing") + "'");
  ivy::test::write_text_file(dir.file("empty"), "\n");
  b.mqtt.password_file = dir.file("empty");
  o = mqtt_bridge_options(b, "h", MqttLimits{});
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.error().message, "bridge 'to-broker': password_file '" + dir.file("empty") + "' is empty");
}

}  // namespace
}  // namespace ivy::daemon::test
