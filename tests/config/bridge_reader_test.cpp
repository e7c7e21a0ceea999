// Tests read_bridges (bridge_reader.cpp, declared in config_reader.hpp).
#include <gtest/gtest.h>

#include "config/config_reader.hpp"

namespace ivy::config {
namespace {

struct Read {
  std::vector<BridgeConfig> bridges;
  ConfigProblems problems;
};

Read read(const std::string& bridges_json) {
  std::string text = "{\"bridges\": " + bridges_json + "}";
  JsonPositions positions = JsonPositions::index(text);
  ProblemSink sink("t.json", &positions);
  Read result;
  result.bridges = read_config(nlohmann::json::parse(text), sink).bridges;
  result.problems = sink.take();
  return result;
}

std::vector<std::string> messages(const ConfigProblems& problems) {
  std::vector<std::string> out;
  for (const auto& p : problems) out.push_back(p.path + ": " + p.message);
  return out;
}

TEST(BridgeReader, ReadsEveryBusBridgeKey) {
  Read r = read(R"([{"id": "b1", "enabled": false, "type": "bus", "bus": "lab", "peer_bus": "ops",
      "direction": "out", "mode": "interest", "include": ["^A"], "exclude": ["^A B"],
      "add_prefix": "LAB ", "strip_prefix": "OPS ", "local_name": "l", "remote_name": "r"}])");
  ASSERT_TRUE(r.problems.empty()) << to_string(r.problems);
  const BridgeConfig& b = r.bridges.at(0);
  EXPECT_EQ(b.id, "b1");
  EXPECT_FALSE(b.enabled);
  EXPECT_EQ(b.type, BridgeType::kBus);
  EXPECT_EQ(b.bus, "lab");
  EXPECT_EQ(b.peer_bus, "ops");
  EXPECT_EQ(b.direction, BridgeDirection::kOut);
  EXPECT_EQ(b.mode, BridgeMode::kInterest);
  EXPECT_EQ(b.include, std::vector<std::string>{"^A"});
  EXPECT_EQ(b.exclude, std::vector<std::string>{"^A B"});
  EXPECT_EQ(b.add_prefix, "LAB ");
  EXPECT_EQ(b.strip_prefix, "OPS ");
  EXPECT_EQ(b.local_name, "l");
  EXPECT_EQ(b.remote_name, "r");
}

TEST(BridgeReader, ReadsEveryLinkKey) {
  Read r = read(R"([{"id": "l", "type": "link", "bus": "main", "link": {"role": "dial",
      "dial": ["a:1", "[::1]:2"], "token": "0123456789abcdef", "reconnect_min_ms": 500,
      "reconnect_max_ms": "1m", "keepalive_seconds": 5, "outage_buffer_bytes": "2MiB"}}])");
  ASSERT_TRUE(r.problems.empty()) << to_string(r.problems);
  const LinkConfig& link = r.bridges.at(0).link;
  EXPECT_EQ(r.bridges[0].type, BridgeType::kLink);
  EXPECT_EQ(link.role, LinkRole::kDial);
  EXPECT_EQ(link.dial, (std::vector<std::string>{"a:1", "[::1]:2"}));
  EXPECT_EQ(link.token, "0123456789abcdef");
  EXPECT_EQ(link.reconnect_min.count(), 500);
  EXPECT_EQ(link.reconnect_max.count(), 60000);
  EXPECT_EQ(link.keepalive.count(), 5);
  EXPECT_EQ(link.outage_buffer_bytes, 2u << 20);
}

TEST(BridgeReader, DefaultsForOptionalKeys) {
  Read r = read(R"([{"id": "x", "type": "bus", "bus": "a", "peer_bus": "b"}])");
  ASSERT_TRUE(r.problems.empty());
  EXPECT_TRUE(r.bridges[0].enabled);
  EXPECT_EQ(r.bridges[0].direction, BridgeDirection::kBoth);
  EXPECT_EQ(r.bridges[0].mode, BridgeMode::kAll);
}

TEST(BridgeReader, RequiredKeysAreReported) {
  Read r = read(R"([{}])");
  EXPECT_EQ(messages(r.problems),
            (std::vector<std::string>{"bridges[0].id: missing required key \"id\"",
                                      "bridges[0].bus: missing required key \"bus\"",
                                      "bridges[0].type: missing required key \"type\""}));
}

TEST(BridgeReader, TypeDecidesWhichKeysAreAllowed) {
  Read r = read(R"([{"id": "x", "type": "bus", "bus": "a", "link": {}},
                    {"id": "y", "type": "link", "bus": "a", "peer_bus": "b"}])");
  EXPECT_EQ(messages(r.problems),
            (std::vector<std::string>{
                "bridges[0].peer_bus: missing required key \"peer_bus\"",
                "bridges[0].link: not allowed for type \"bus\" (only for type \"link\")",
                "bridges[1].peer_bus: not allowed for type \"link\" (only for type \"bus\")",
                "bridges[1].link: missing required key \"link\""}));
}

TEST(BridgeReader, RoleDecidesListenOrDial) {
  Read r = read(R"([{"id": "x", "type": "link", "bus": "a",
      "link": {"role": "listen", "dial": ["h:1"], "token": "t", "token_file": "/f"}}])");
  EXPECT_EQ(messages(r.problems),
            (std::vector<std::string>{
                "bridges[0].link.listen: missing required key \"listen\"",
                "bridges[0].link.dial: not allowed when role is \"listen\"",
                "bridges[0].link.token_file: give either \"token\" or \"token_file\", not both"}));
}

TEST(BridgeReader, UnknownTypeDoesNotCascade) {
  Read r = read(R"([{"id": "x", "type": "tcp", "bus": "a", "link": {}}])");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].message, "\"tcp\": must be one of \"bus\", \"link\", \"mqtt\"");
}

TEST(BridgeReader, LinkWithoutTokenIsReported) {
  Read r =
      read(R"([{"id": "x", "type": "link", "bus": "a", "link": {"role": "dial", "dial": []}}])");
  EXPECT_EQ(messages(r.problems),
            (std::vector<std::string>{"bridges[0].link.token: missing required key \"token\" (or "
                                      "\"token_file\", or \"tls\")"}));
}

TEST(BridgeReader, ReadsEveryTlsKeyAndTlsMakesTheTokenOptional) {
  Read r =
      read(R"([{"id": "l", "type": "link", "bus": "main", "link": {"role": "dial", "dial": ["a:1"],
      "tls": {"cert_file": "/c.pem", "key_file": "/k.pem", "ca_file": "/ca.pem",
              "peer_fingerprints": ["AB:CD"], "server_name": "site-a.example.net"}}}])");
  ASSERT_TRUE(r.problems.empty()) << to_string(r.problems);
  const LinkConfig& link = r.bridges.at(0).link;
  ASSERT_TRUE(link.tls.has_value());
  EXPECT_EQ(link.tls->cert_file, "/c.pem");
  EXPECT_EQ(link.tls->key_file, "/k.pem");
  EXPECT_EQ(link.tls->ca_file, "/ca.pem");
  EXPECT_EQ(link.tls->peer_fingerprints, std::vector<std::string>{"AB:CD"});
  EXPECT_EQ(link.tls->server_name, "site-a.example.net");
  EXPECT_EQ(link.token, "");
}

TEST(BridgeReader, LinkWithoutTlsHasNone) {
  Read r =
      read(R"([{"id": "l", "type": "link", "bus": "main", "link": {"role": "dial", "dial": ["a:1"],
      "token": "0123456789abcdef"}}])");
  ASSERT_TRUE(r.problems.empty()) << to_string(r.problems);
  EXPECT_FALSE(r.bridges.at(0).link.tls.has_value());
}

TEST(BridgeReader, TlsNeedsItsFilesAndSomethingToCheckTheFarSideAgainst) {
  Read r = read(
      R"([{"id": "l", "type": "link", "bus": "main", "link": {"role": "listen", "listen": "h:1",
      "tls": {"server_name": "x", "cafile": "/ca.pem"}}}])");
  EXPECT_EQ(messages(r.problems),
            (std::vector<std::string>{
                "bridges[0].link.tls.cert_file: missing required key \"cert_file\"",
                "bridges[0].link.tls.key_file: missing required key \"key_file\"",
                "bridges[0].link.tls: give \"ca_file\" or \"peer_fingerprints\" (or both): the far "
                "side's "
                "certificate must be checked against something",
                "bridges[0].link.tls.server_name: not allowed when role is \"listen\" (the dialer "
                "checks the "
                "listener's name)",
                "bridges[0].link.tls.cafile: unknown key \"cafile\" (did you mean \"ca_file\"?)"}));
}

TEST(BridgeReader, ReadsEveryMqttKey) {
  Read r = read(R"([{"id": "m", "type": "mqtt", "bus": "main", "direction": "both", "mode": "interest",
      "include": ["^A"], "strip_prefix": "X ", "local_name": "from-mqtt",
      "broker": "mqtts://broker:8884", "topic_prefix": "ivy/lab1", "subscribe": ["ivy/+/#", "cmd/#"],
      "qos": 0, "payload": "json", "site": "lab1", "client_id": "ivyd-lab1", "username": "lab",
      "password_file": "/etc/ivyd/mqtt.pw", "ca_file": "/ca.pem", "cert_file": "/c.pem", "key_file": "/k.pem",
      "keepalive_seconds": "1m", "session_expiry_seconds": "1d", "reconnect_min_ms": 200,
      "reconnect_max_ms": "10s", "outage_buffer_bytes": "4MiB"}])");
  ASSERT_TRUE(r.problems.empty()) << to_string(r.problems);
  const BridgeConfig& b = r.bridges.at(0);
  EXPECT_EQ(b.type, BridgeType::kMqtt);
  EXPECT_EQ(b.local_name, "from-mqtt");
  const MqttConfig& m = b.mqtt;
  EXPECT_EQ(m.broker, "mqtts://broker:8884");
  EXPECT_EQ(m.topic_prefix, "ivy/lab1");
  EXPECT_EQ(m.subscribe, (std::vector<std::string>{"ivy/+/#", "cmd/#"}));
  EXPECT_EQ(m.qos, 0u);
  EXPECT_EQ(m.payload, MqttPayload::kJson);
  EXPECT_EQ(m.site, "lab1");
  EXPECT_EQ(m.client_id, "ivyd-lab1");
  EXPECT_EQ(m.username, "lab");
  EXPECT_EQ(m.password_file, "/etc/ivyd/mqtt.pw");
  EXPECT_EQ(m.ca_file, "/ca.pem");
  EXPECT_EQ(m.cert_file, "/c.pem");
  EXPECT_EQ(m.key_file, "/k.pem");
  EXPECT_EQ(m.keepalive.count(), 60);
  EXPECT_EQ(m.session_expiry.count(), 86400);
  EXPECT_EQ(m.reconnect_min.count(), 200);
  EXPECT_EQ(m.reconnect_max.count(), 10000);
  EXPECT_EQ(m.outage_buffer_bytes, 4u << 20);
}

TEST(BridgeReader, MqttDefaults) {
  Read r = read(R"([{"id": "m", "type": "mqtt", "bus": "main", "broker": "mqtt://b"}])");
  ASSERT_TRUE(r.problems.empty()) << to_string(r.problems);
  const MqttConfig& m = r.bridges.at(0).mqtt;
  EXPECT_EQ(m.qos, 1u);
  EXPECT_EQ(m.payload, MqttPayload::kText);
  EXPECT_EQ(m.keepalive.count(), 30);
  EXPECT_EQ(m.session_expiry.count(), 0);
  EXPECT_EQ(m.outage_buffer_bytes, 1u << 20);
}

TEST(BridgeReader, MqttKeysBelongToTypeMqttOnly) {
  Read r = read(R"([{"id": "x", "type": "bus", "bus": "a", "peer_bus": "b", "broker": "mqtt://b", "qos": 1},
                    {"id": "y", "type": "mqtt", "bus": "a", "peer_bus": "b", "remote_name": "r", "link": {}}])");
  EXPECT_EQ(messages(r.problems),
            (std::vector<std::string>{
                "bridges[0].broker: not allowed for type \"bus\" (only for type \"mqtt\")",
                "bridges[0].qos: not allowed for type \"bus\" (only for type \"mqtt\")",
                "bridges[1].peer_bus: not allowed for type \"mqtt\" (only for type \"bus\")",
                "bridges[1].link: not allowed for type \"mqtt\" (only for type \"link\")",
                "bridges[1].remote_name: not allowed for type \"mqtt\": the broker's side has no Ivy agent to name",
                "bridges[1].broker: missing required key \"broker\""}));
}

TEST(BridgeReader, MqttValuesOutOfRange) {
  Read r = read(R"([{"id": "m", "type": "mqtt", "bus": "a", "broker": "mqtt://b", "qos": 3,
      "payload": "xml", "keepalive_seconds": 2, "session_expiry_seconds": -1, "subscribe": "ivy/#"}])");
  EXPECT_EQ(messages(r.problems),
            (std::vector<std::string>{
                "bridges[0].subscribe: expected an array, got \"ivy/#\"",
                "bridges[0].qos: 3: out of range 0-2",
                "bridges[0].payload: \"xml\": must be one of \"text\", \"json\"",
                "bridges[0].keepalive_seconds: 2: out of range 5-65535 s",
                "bridges[0].session_expiry_seconds: -1: out of range 0-4294967295 s"}));
}

}  // namespace
}  // namespace ivy::config
