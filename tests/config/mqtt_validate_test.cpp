// The MQTT gateway's checks (config/mqtt_validate.cpp), through validate()
// and, for positions, the loader.
#include "config/mqtt_validate.hpp"

#include <gtest/gtest.h>

#include "config/config_loader.hpp"
#include "config/config_validate.hpp"

namespace ivy::config {
namespace {

std::vector<std::string> messages(const Config& config) {
  std::vector<std::string> out;
  for (const auto& p : validate(config)) out.push_back(p.path + ": " + p.message);
  return out;
}

BridgeConfig gateway(std::string id) {
  BridgeConfig b;
  b.id = std::move(id);
  b.type = BridgeType::kMqtt;
  b.bus = "main";
  b.mqtt.broker = "mqtt://127.0.0.1:1883";
  b.mqtt.topic_prefix = "ivy/lab1";
  b.mqtt.subscribe = {"ivy/+/#"};
  return b;
}

Config with(std::vector<BridgeConfig> bridges) {
  Config config = default_config();
  config.bridges = std::move(bridges);
  return config;
}

TEST(MqttValidate, AGatewayBothWaysIsValid) { EXPECT_TRUE(messages(with({gateway("g")})).empty()); }

TEST(MqttValidate, BadUrlPrefixAndFilterAreReportedAtTheirKeys) {
  BridgeConfig b = gateway("g");
  b.mqtt.broker = "http://broker";
  b.mqtt.topic_prefix = "ivy/#";
  b.mqtt.subscribe = {"ivy/+/#", "ivy/a+"};
  EXPECT_EQ(messages(with({b})),
            (std::vector<std::string>{
                "bridges[0].broker: \"http://broker\": unsupported scheme \"http\" (mqtt or mqtts)",
                "bridges[0].topic_prefix: \"ivy/#\": a topic prefix has no wildcard ('+' or '#'): messages are "
                "published under it",
                "bridges[0].subscribe[1]: \"ivy/a+\": '+' must be a whole topic level (\"ivy/+/x\")"}));
}

TEST(MqttValidate, TheDirectionSaysWhichTopicsAreNeeded) {
  BridgeConfig out = gateway("out");
  out.direction = BridgeDirection::kOut;
  BridgeConfig in = gateway("in");
  in.direction = BridgeDirection::kIn;
  BridgeConfig both = gateway("both");
  both.mqtt.topic_prefix.clear();
  both.mqtt.subscribe.clear();
  EXPECT_EQ(messages(with({out, in, both})),
            (std::vector<std::string>{
                "bridges[0].subscribe: not used when direction is \"out\"",
                "bridges[1].topic_prefix: not used when direction is \"in\"",
                "bridges[2].topic_prefix: required when direction is \"both\"",
                "bridges[2].subscribe: at least one topic filter is required when direction is \"both\""}));
}

TEST(MqttValidate, TlsFilesNeedMqttsAndComeInPairs) {
  BridgeConfig plain = gateway("plain");
  plain.mqtt.ca_file = "/ca.pem";
  BridgeConfig tls = gateway("tls");
  tls.mqtt.broker = "mqtts://broker";
  tls.mqtt.ca_file = "/ca.pem";
  tls.mqtt.cert_file = "/client.pem";
  EXPECT_EQ(messages(with({plain, tls})),
            (std::vector<std::string>{
                "bridges[0].ca_file: TLS files need an mqtts:// broker",
                "bridges[1].key_file: give both cert_file and key_file (a client certificate)"}));
  tls.mqtt.key_file = "/client.key";
  EXPECT_TRUE(messages(with({tls})).empty());
}

TEST(MqttValidate, CredentialsAndClientId) {
  BridgeConfig b = gateway("g");
  b.mqtt.password_file = "/etc/ivyd/mqtt.pw";
  b.mqtt.client_id = std::string("id\0x", 4);
  b.mqtt.reconnect_min = std::chrono::minutes(2);
  EXPECT_EQ(messages(with({b})),
            (std::vector<std::string>{"bridges[0].username: password_file needs a username",
                                      "bridges[0].client_id: must be UTF-8 without control characters",
                                      "bridges[0].reconnect_min_ms: must not exceed reconnect_max_ms (30000)"}));
}

TEST(MqttValidate, OneClientIdPerBroker) {
  BridgeConfig a = gateway("a"), b = gateway("b"), c = gateway("c");
  a.mqtt.client_id = b.mqtt.client_id = c.mqtt.client_id = "ivyd-lab";
  c.mqtt.broker = "mqtt://127.0.0.1:1884";  // another broker: fine
  b.mqtt.broker = "mqtt://127.0.0.1";       // the same one, spelt differently
  EXPECT_EQ(messages(with({a, b, c})),
            (std::vector<std::string>{"bridges[1].client_id: duplicate client id on this broker "
                                      "\"mqtt://127.0.0.1:1883 ivyd-lab\" (first at bridges[0].client_id)"}));
}

TEST(MqttValidate, CheckConfigPointsAtTheLineOfTheBadKey) {
  const char* text = R"({
  "bridges": [
    {"id": "g", "type": "mqtt", "bus": "main", "direction": "out",
     "broker": "mqtt://broker:0", "topic_prefix": "ivy/lab1", "qos": 1}
  ]
})";
  auto result = load_config_text(text, "ivyd.json");
  ASSERT_FALSE(result);
  ASSERT_EQ(result.error().size(), 1u);
  EXPECT_EQ(to_string(result.error()[0]),
            "ivyd.json:4:16: bridges[0].broker: \"mqtt://broker:0\": port out of range 1-65535");
}

}  // namespace
}  // namespace ivy::config
