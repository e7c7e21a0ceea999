#include "config/config_diff.hpp"

#include <gtest/gtest.h>

namespace ivy::config {
namespace {

Config with_buses(std::initializer_list<const char*> ids) {
  Config config;
  int port = 2010;
  for (const char* id : ids) {
    BusConfig bus;
    bus.id = id;
    bus.spec = ":" + std::to_string(port++);
    config.buses.push_back(bus);
  }
  return config;
}

BridgeConfig bridge(const char* id, const char* bus, const char* peer) {
  BridgeConfig b;
  b.id = id;
  b.bus = bus;
  b.peer_bus = peer;
  return b;
}

TEST(ConfigDiff, SameConfigHasNoChanges) {
  ConfigDiff d = diff(default_config(), default_config());
  EXPECT_TRUE(d.empty());
  EXPECT_EQ(to_string(d), "no changes");
}

TEST(ConfigDiff, BusesAreMatchedById) {
  Config before = with_buses({"a", "b", "c"});
  Config after = with_buses({"c", "a", "d"});
  after.buses[0].spec = before.buses[2].spec;  // c unchanged, just moved
  after.buses[1].spec = before.buses[0].spec;
  after.buses[1].die_policy = DiePolicy::kExit;  // a changed
  ConfigDiff d = diff(before, after);
  EXPECT_EQ(d.buses_added, std::vector<std::string>{"d"});
  EXPECT_EQ(d.buses_removed, std::vector<std::string>{"b"});
  EXPECT_EQ(d.buses_changed, std::vector<std::string>{"a"});
  EXPECT_EQ(to_string(d), "buses +d -b ~a");
}

TEST(ConfigDiff, BridgesAreMatchedById) {
  Config before = with_buses({"a", "b"});
  before.bridges = {bridge("x", "a", "b"), bridge("y", "a", "b")};
  Config after = before;
  after.bridges[0].include = {"^T"};
  after.bridges[1].id = "z";
  ConfigDiff d = diff(before, after);
  EXPECT_EQ(d.bridges_changed, std::vector<std::string>{"x"});
  EXPECT_EQ(d.bridges_removed, std::vector<std::string>{"y"});
  EXPECT_EQ(d.bridges_added, std::vector<std::string>{"z"});
  EXPECT_TRUE(d.buses_changed.empty());
}

TEST(ConfigDiff, ALinkWhoseTlsSettingsChangeIsChanged) {
  Config before = with_buses({"a"});
  before.bridges = {bridge("x", "a", "b")};
  before.bridges[0].type = BridgeType::kLink;
  Config after = before;
  after.bridges[0].link.tls = LinkTlsConfig{"/c.pem", "/k.pem", "/ca.pem", {}, ""};
  EXPECT_EQ(diff(before, after).bridges_changed, std::vector<std::string>{"x"});
  before = after;
  after.bridges[0].link.tls->peer_fingerprints = {std::string(64, 'a')};
  EXPECT_EQ(diff(before, after).bridges_changed, std::vector<std::string>{"x"});
  // New certificate files under the same names are no config change: SIGHUP
  // reloads them anyway (daemon/bridges/bridges.hpp, reload_files).
  EXPECT_TRUE(diff(after, after).empty());
}

TEST(ConfigDiff, SectionFlags) {
  Config before = default_config();
  Config after = before;
  after.recorder.rotate_bytes = 1;
  after.logging.level = LogLevel::kDebug;
  after.limits.max_peers = 3;
  after.status.mode = 0600;
  after.allowed_networks.push_back(Network{});
  after.matcher.cache_dir = "/elsewhere";
  after.metrics.per_peer = true;
  ConfigDiff d = diff(before, after);
  EXPECT_TRUE(d.metrics_changed);
  EXPECT_TRUE(d.recorder_changed);
  EXPECT_TRUE(d.logging_changed);
  EXPECT_TRUE(d.limits_changed);
  EXPECT_TRUE(d.status_changed);
  EXPECT_TRUE(d.allowed_networks_changed);
  EXPECT_TRUE(d.matcher_changed);
  EXPECT_EQ(to_string(d), "recorder; limits; allowed_networks; status; matcher; logging; metrics");
}

TEST(ConfigDiff, CentralAddedChangedAndRemoved) {
  Config before = default_config();
  Config added = before;
  added.central.emplace();
  added.central->url = "postgresql://db/ivy";
  EXPECT_TRUE(diff(before, added).central_changed);
  EXPECT_EQ(to_string(diff(before, added)), "central");
  Config changed = added;
  changed.central->batch_rows = 7;
  EXPECT_TRUE(diff(added, changed).central_changed);
  EXPECT_TRUE(diff(added, before).central_changed);
  EXPECT_TRUE(diff(added, added).empty());
}

TEST(ConfigDiff, BridgesOnABusIncludeBothSides) {
  Config config = with_buses({"a", "b", "c"});
  config.bridges = {bridge("x", "a", "b"), bridge("y", "c", "a"), bridge("z", "b", "c")};
  BridgeConfig link;
  link.id = "l";
  link.type = BridgeType::kLink;
  link.bus = "b";
  link.peer_bus = "a";  // ignored for links
  config.bridges.push_back(link);
  EXPECT_EQ(bridges_on(config, "a"), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(bridges_on(config, "b"), (std::vector<std::string>{"x", "z", "l"}));
}

TEST(ConfigDiff, AnMqttKeyChangesItsBridgeOnly) {
  Config before = with_buses({"main"});
  BridgeConfig gateway = bridge("g", "main", "");
  gateway.type = BridgeType::kMqtt;
  gateway.mqtt.broker = "mqtt://127.0.0.1:1883";
  before.bridges = {gateway, bridge("b", "main", "side")};
  Config after = before;
  after.bridges[0].mqtt.subscribe = {"ivy/+/#"};
  EXPECT_EQ(diff(before, after).bridges_changed, std::vector<std::string>{"g"});
  EXPECT_EQ(bridges_on(after, "main"), (std::vector<std::string>{"g", "b"}));
}

}  // namespace
}  // namespace ivy::config
