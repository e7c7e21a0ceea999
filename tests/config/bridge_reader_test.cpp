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
  EXPECT_EQ(r.problems[0].message, "\"tcp\": must be one of \"bus\", \"link\"");
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

}  // namespace
}  // namespace ivy::config
