#include "config/config_validate.hpp"

#include <gtest/gtest.h>

namespace ivy::config {
namespace {

std::vector<std::string> messages(const Config& config) {
  std::vector<std::string> out;
  for (const auto& p : validate(config)) out.push_back(p.path + ": " + p.message);
  return out;
}

Config two_buses() {
  Config config = default_config();
  BusConfig ops;
  ops.id = "ops";
  ops.spec = "10.20.0.255:2011";
  config.buses.push_back(ops);
  return config;
}

BridgeConfig bus_bridge(std::string id, std::string bus, std::string peer) {
  BridgeConfig bridge;
  bridge.id = std::move(id);
  bridge.bus = std::move(bus);
  bridge.peer_bus = std::move(peer);
  return bridge;
}

BridgeConfig link_bridge(std::string id) {
  BridgeConfig bridge;
  bridge.id = std::move(id);
  bridge.type = BridgeType::kLink;
  bridge.bus = "main";
  bridge.link.role = LinkRole::kListen;
  bridge.link.listen = "0.0.0.0:7010";
  bridge.link.token = "0123456789abcdef";
  return bridge;
}

TEST(ConfigValidate, DefaultConfigIsValid) { EXPECT_TRUE(validate(default_config()).empty()); }

Config with_central(std::string url) {
  Config config = default_config();
  config.central.emplace();
  config.central->url = std::move(url);
  return config;
}

TEST(ConfigValidate, CentralWithAUriIsValid) {
  EXPECT_TRUE(validate(with_central("postgresql://ivyd@db.lab/ivy")).empty());
}

TEST(ConfigValidate, CentralProblemsAreReportedWithTheirPaths) {
  Config config = with_central("host=db.lab dbname=ivy");
  config.central->site = "two words";
  EXPECT_EQ(messages(config),
            (std::vector<std::string>{
                "central.url: \"host=db.lab dbname=ivy\": expected a PostgreSQL connection URI, "
                "postgresql://[user@]host[:port]/dbname[?param=value&...]",
                "central.site: \"two words\": a site name is 1 to 64 letters, digits, '-', '_' or '.'"}));
}

TEST(ConfigValidate, CentralPasswordInOnePlaceOnly) {
  Config config = with_central("postgresql://ivyd:secret@db.lab/ivy");
  config.central->password_file = "/etc/ivyd/pg";
  EXPECT_EQ(messages(config), std::vector<std::string>{"central.password_file: the url already holds a password: "
                                                       "give it either there or in password_file, not both"});
}

TEST(ConfigValidate, CentralNeedsTheRecorder) {
  Config config = with_central("postgresql://db.lab/ivy");
  config.recorder.enabled = false;
  EXPECT_EQ(messages(config), std::vector<std::string>{"central: shipping to a central store needs the local "
                                                       "recording (recorder.enabled)"});
}

TEST(ConfigValidate, NeedsAtLeastOneBus) {
  Config config;
  EXPECT_EQ(messages(config), std::vector<std::string>{"buses: at least one bus is required"});
}

TEST(ConfigValidate, BadSpecAndStaticPeerAreReportedWithTheirPaths) {
  Config config = two_buses();
  config.buses[1].spec = "127.0.0:99999";
  config.buses[1].static_peers = {"ok:1", "nope"};
  EXPECT_EQ(messages(config),
            (std::vector<std::string>{"buses[1].spec: \"127.0.0:99999\": port out of range 1-65535",
                                      "buses[1].static_peers[1]: \"nope\": expected host:port"}));
}

TEST(ConfigValidate, DuplicateBusIdsAndSpecs) {
  Config config = two_buses();
  config.buses[1].id = "main";
  config.buses[1].spec = config.buses[0].spec;
  EXPECT_EQ(
      messages(config),
      (std::vector<std::string>{
          "buses[1].id: duplicate bus id \"main\" (first at buses[0].id)",
          "buses[1].spec: duplicate bus spec \"127.255.255.255:2010\" (first at buses[0].spec)"}));
}

TEST(ConfigValidate, BusIdAndNameMustBeUsable) {
  Config config = default_config();
  config.buses[0].id = "has space";
  config.buses[0].name = "";
  EXPECT_EQ(messages(config).size(), 2u);
}

TEST(ConfigValidate, BridgeMustNameExistingBuses) {
  Config config = two_buses();
  config.bridges = {bus_bridge("b", "mian", "opz")};
  EXPECT_EQ(messages(config),
            (std::vector<std::string>{
                "bridges[0].bus: no bus with id \"mian\" (did you mean \"main\"?)",
                "bridges[0].peer_bus: no bus with id \"opz\" (did you mean \"ops\"?)"}));
}

TEST(ConfigValidate, BusBridgeJoinsTwoDifferentBuses) {
  Config config = two_buses();
  config.bridges = {bus_bridge("b", "main", "main")};
  EXPECT_EQ(messages(config),
            std::vector<std::string>{"bridges[0].peer_bus: a bridge joins two different buses"});
}

TEST(ConfigValidate, DuplicateBridgeIdsAndBadPatterns) {
  Config config = two_buses();
  config.bridges = {bus_bridge("b", "main", "ops"), bus_bridge("b", "ops", "main")};
  config.bridges[1].exclude = {"ok", "(unclosed"};
  EXPECT_EQ(messages(config),
            (std::vector<std::string>{
                "bridges[1].id: duplicate bridge id \"b\" (first at bridges[0].id)",
                "bridges[1].exclude[1]: \"(unclosed\": missing closing parenthesis at offset 9"}));
}

TEST(ConfigValidate, LinkChecks) {
  Config config = default_config();
  config.bridges = {link_bridge("a"), link_bridge("b")};
  config.bridges[1].link.token = "short";
  config.bridges[1].link.reconnect_min = std::chrono::seconds(60);
  EXPECT_EQ(messages(config),
            (std::vector<std::string>{
                "bridges[1].link.listen: duplicate listen address \"0.0.0.0:7010\" (first at "
                "bridges[0].link.listen)",
                "bridges[1].link.token: the shared token must be at least 16 characters",
                "bridges[1].link.reconnect_min_ms: must not exceed reconnect_max_ms (30000)"}));
}

TEST(ConfigValidate, TlsLinkNeedsNoTokenButAGivenOneIsStillChecked) {
  Config config = default_config();
  config.bridges = {link_bridge("a")};
  config.bridges[0].link.token = "";
  EXPECT_EQ(messages(config),
            std::vector<std::string>{
                "bridges[0].link.token: the shared token must be at least 16 characters"});
  config.bridges[0].link.tls = LinkTlsConfig{"/c.pem", "/k.pem", "/ca.pem", {}, ""};
  EXPECT_TRUE(messages(config).empty());
  config.bridges[0].link.token = "short";  // a second factor, as strong as without TLS
  EXPECT_EQ(messages(config),
            std::vector<std::string>{
                "bridges[0].link.token: the shared token must be at least 16 characters"});
}

TEST(ConfigValidate, TlsPathsFingerprintsAndServerName) {
  Config config = default_config();
  config.bridges = {link_bridge("a")};
  const std::string good(64, 'a');
  config.bridges[0].link.tls =
      LinkTlsConfig{"", "", "", {good, "sha256:" + good, "zz", "ab:cd"}, "bad name"};
  EXPECT_EQ(
      messages(config),
      (std::vector<std::string>{"bridges[0].link.tls.cert_file: must not be empty",
                                "bridges[0].link.tls.key_file: must not be empty",
                                "bridges[0].link.tls.peer_fingerprints[2]: \"zz\": not a hex "
                                "SHA-256 fingerprint (unexpected 'z')",
                                "bridges[0].link.tls.peer_fingerprints[3]: \"ab:cd\": 2 bytes, a "
                                "SHA-256 fingerprint has 32 (64 "
                                "hex digits)",
                                "bridges[0].link.tls.server_name: \"bad name\": not a host name"}));
}

TEST(ConfigValidate, DialLinkNeedsGoodAddresses) {
  Config config = default_config();
  config.bridges = {link_bridge("a")};
  config.bridges[0].link.role = LinkRole::kDial;
  config.bridges[0].link.token = "";
  config.bridges[0].link.token_file = "/etc/ivyd/t";
  EXPECT_EQ(
      messages(config),
      std::vector<std::string>{"bridges[0].link.dial: at least one address to dial is required"});
  config.bridges[0].link.dial = {"h:1", "::1:2"};
  EXPECT_EQ(messages(config).size(), 1u);
}

TEST(ConfigValidate, RetentionNeedsRotation) {
  Config config = default_config();
  config.recorder.retain_duration = std::chrono::hours(24);
  EXPECT_EQ(messages(config),
            std::vector<std::string>{"recorder.retain_seconds: retention applies to rotated files: "
                                     "set rotate_bytes or rotate_seconds too"});
  config.recorder.rotate_bytes = 1 << 20;
  EXPECT_TRUE(messages(config).empty());
}

TEST(ConfigValidate, EnabledPathsMustNotBeEmpty) {
  Config config = default_config();
  config.recorder.path = "";
  config.status.path = "";
  EXPECT_EQ(messages(config).size(), 2u);
  config.recorder.enabled = false;
  config.status.enabled = false;
  EXPECT_TRUE(messages(config).empty());
}

TEST(ConfigValidate, MetricsListenMustBeANumericIpv4Address) {
  Config config = default_config();
  config.metrics.enabled = true;
  config.metrics.listen = "localhost:9643";
  EXPECT_EQ(messages(config),
            std::vector<std::string>{
                "metrics.listen: \"localhost:9643\": expected a numeric IPv4 address and a "
                "port, e.g. \"127.0.0.1:9643\""});
  config.metrics.enabled = false;  // still checked: turning it on later must not reveal it
  EXPECT_EQ(messages(config).size(), 1u);
  config.metrics.listen = "127.0.0.1:0";
  EXPECT_TRUE(messages(config).empty());
}

}  // namespace
}  // namespace ivy::config
