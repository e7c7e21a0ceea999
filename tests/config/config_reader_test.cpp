#include "config/config_reader.hpp"

#include <gtest/gtest.h>

namespace ivy::config {
namespace {

struct Read {
  Config config;
  ConfigProblems problems;
};

Read read(const char* text) {
  JsonPositions positions = JsonPositions::index(text);
  ProblemSink sink("t.json", &positions);
  Read result;
  result.config = read_config(nlohmann::json::parse(text), sink);
  result.problems = sink.take();
  return result;
}

TEST(ConfigReader, EmptyDocumentGivesDefaults) {
  Read r = read("{}");
  EXPECT_TRUE(r.problems.empty());
  EXPECT_EQ(r.config, default_config());
}

TEST(ConfigReader, ReadsEveryBusKey) {
  Read r = read(R"({"buses": [{"id": "lab", "spec": "10.0.0:2345", "name": "rec",
      "ready_message": "rec ready", "die_policy": "exit", "capture_mode": "strict-c",
      "record": false, "static_peers": ["10.0.0.7:41000"]}]})");
  ASSERT_TRUE(r.problems.empty()) << to_string(r.problems);
  ASSERT_EQ(r.config.buses.size(), 1u);
  const BusConfig& bus = r.config.buses[0];
  EXPECT_EQ(bus.id, "lab");
  EXPECT_EQ(bus.spec, "10.0.0:2345");
  EXPECT_EQ(bus.name, "rec");
  EXPECT_EQ(bus.ready_message, "rec ready");
  EXPECT_EQ(bus.die_policy, DiePolicy::kExit);
  EXPECT_EQ(bus.capture_mode, CaptureMode::kStrictC);
  EXPECT_FALSE(bus.record);
  EXPECT_EQ(bus.static_peers, std::vector<std::string>{"10.0.0.7:41000"});
}

TEST(ConfigReader, ReadsEveryRecorderKey) {
  Read r = read(R"({"recorder": {"enabled": false, "path": "/x.db", "queue_size": 100,
      "batch_rows": 10, "batch_interval_ms": 100, "rotate_bytes": "1GiB", "rotate_seconds": "1d",
      "retain_seconds": 604800, "retain_bytes": 1000000}})");
  ASSERT_TRUE(r.problems.empty()) << to_string(r.problems);
  const RecorderConfig& rec = r.config.recorder;
  EXPECT_FALSE(rec.enabled);
  EXPECT_EQ(rec.path, "/x.db");
  EXPECT_EQ(rec.queue_size, 100u);
  EXPECT_EQ(rec.batch_rows, 10u);
  EXPECT_EQ(rec.batch_interval.count(), 100);
  EXPECT_EQ(rec.rotate_bytes, 1u << 30);
  EXPECT_EQ(rec.rotate_interval.count(), 86400);
  EXPECT_EQ(rec.retain_duration.count(), 604800);
  EXPECT_EQ(rec.retain_bytes, 1000000u);
}

TEST(ConfigReader, WithoutCentralThereIsNoCentral) {
  EXPECT_FALSE(read("{}").config.central.has_value());
}

TEST(ConfigReader, ReadsEveryCentralKey) {
  Read r = read(R"({"central": {"url": "postgresql://ivyd@db.lab/ivy", "password_file": "/etc/ivyd/pg",
      "site": "bench-3", "batch_rows": 500, "batch_interval_ms": "2s"}})");
  ASSERT_TRUE(r.problems.empty()) << to_string(r.problems);
  ASSERT_TRUE(r.config.central.has_value());
  const CentralConfig& c = *r.config.central;
  EXPECT_EQ(c.url, "postgresql://ivyd@db.lab/ivy");
  EXPECT_EQ(c.password_file, "/etc/ivyd/pg");
  EXPECT_EQ(c.site, "bench-3");
  EXPECT_EQ(c.batch_rows, 500u);
  EXPECT_EQ(c.batch_interval, std::chrono::seconds(2));
}

TEST(ConfigReader, CentralNeedsAUrlAndKnowsItsKeys) {
  Read r = read(R"({"central": {"site": "a", "batch_rowz": 3}})");
  ASSERT_EQ(r.problems.size(), 2u) << to_string(r.problems);
  EXPECT_NE(r.problems[0].message.find("missing required key \"url\""), std::string::npos)
      << r.problems[0].message;
  EXPECT_EQ(r.problems[1].path, "central.batch_rowz");
  EXPECT_NE(r.problems[1].message.find("batch_rows"), std::string::npos) << r.problems[1].message;
}

TEST(ConfigReader, ReadsLimitsNetworksStatusAndLogging) {
  Read r = read(R"({"limits": {"max_frame_bytes": "64KiB", "max_subscriptions_per_peer": 50,
      "max_peers": 9, "peer_queue_bytes": 4096, "stall_timeout_seconds": "2m",
      "tcp_keepalive_seconds": 0},
    "allowed_networks": ["10.0.0.0/8", "::1"],
    "status": {"enabled": false, "path": "/tmp/s.sock", "mode": "0600", "group": ""},
    "logging": {"level": "debug"}})");
  ASSERT_TRUE(r.problems.empty()) << to_string(r.problems);
  const LimitsConfig& lim = r.config.limits;
  EXPECT_EQ(lim.max_frame_bytes, 65536u);
  EXPECT_EQ(lim.max_subscriptions_per_peer, 50u);
  EXPECT_EQ(lim.max_peers, 9u);
  EXPECT_EQ(lim.peer_queue_bytes, 4096u);
  EXPECT_EQ(lim.stall_timeout.count(), 120);
  EXPECT_EQ(lim.tcp_keepalive.count(), 0);
  ASSERT_EQ(r.config.allowed_networks.size(), 2u);
  EXPECT_EQ(to_string(r.config.allowed_networks[1]), "::1/128");
  EXPECT_FALSE(r.config.status.enabled);
  EXPECT_EQ(r.config.status.path, "/tmp/s.sock");
  EXPECT_EQ(r.config.status.mode, 0600u);
  EXPECT_EQ(r.config.status.group, "");
  EXPECT_EQ(r.config.logging.level, LogLevel::kDebug);
}

TEST(ConfigReader, ReadsTheMatcherCacheAndDefaultsItWhenAbsent) {
  Read r = read(R"({"matcher": {"cache_dir": "/var/cache/ivyd", "cache_max_bytes": "64MiB"}})");
  ASSERT_TRUE(r.problems.empty()) << to_string(r.problems);
  EXPECT_EQ(r.config.matcher.cache_dir, "/var/cache/ivyd");
  EXPECT_EQ(r.config.matcher.cache_max_bytes, 64u << 20);
  const Read defaults = read("{}");
  EXPECT_EQ(defaults.config.matcher.cache_dir, "");
  EXPECT_EQ(defaults.config.matcher.cache_max_bytes, 256u << 20);
  EXPECT_EQ(read(R"({"matcher": {"cache_max_bytes": 0}})").config.matcher.cache_max_bytes, 0u);
}

TEST(ConfigReader, MatcherMistakesAreReportedWithTheirPath) {
  Read r = read(R"({"matcher": {"cache_dir": 7, "cache_max_bytes": "1MB", "cache": true}})");
  ASSERT_EQ(r.problems.size(), 3u) << to_string(r.problems);
  EXPECT_EQ(r.problems[0].path, "matcher.cache_dir");
  EXPECT_EQ(r.problems[1].path, "matcher.cache_max_bytes");
  EXPECT_EQ(r.problems[2].path, "matcher.cache");
}

TEST(ConfigReader, StatusModeMustBeAnOctalString) {
  Read r = read(R"({"status": {"mode": 660}})");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(to_string(r.problems[0]),
            "t.json:1:21: status.mode: 660: expected an octal string such as \"0660\"");
  EXPECT_EQ(read(R"({"status": {"mode": "0980"}})").problems.size(), 1u);
}

TEST(ConfigReader, BadCidrIsReportedWithItsIndex) {
  Read r = read(R"({"allowed_networks": ["10.0.0.0/8", "10.0.0.0/40", 7]})");
  ASSERT_EQ(r.problems.size(), 2u);
  EXPECT_EQ(r.problems[0].path, "allowed_networks[1]");
  EXPECT_EQ(r.problems[0].message, "\"10.0.0.0/40\": prefix length \"40\" out of range 0-32");
  EXPECT_EQ(r.problems[1].path, "allowed_networks[2]");
}

TEST(ConfigReader, BatchIntervalIsAtMostOneHundredMs) {
  Read r = read(R"({"recorder": {"batch_interval_ms": 250}})");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].path, "recorder.batch_interval_ms");
  EXPECT_EQ(r.problems[0].message, "250: out of range 1-100 ms");
}

TEST(ConfigReader, BadLogLevelListsTheLevels) {
  Read r = read(R"({"logging": {"level": "warn"}})");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].message,
            "\"warn\": must be one of \"debug\", \"info\", \"notice\", \"warning\", \"error\" "
            "(did you mean \"warning\"?)");
}

TEST(ConfigReader, SectionsOfTheWrongTypeAreReported) {
  Read r = read(R"({"buses": {}, "recorder": "x", "bridges": 1, "allowed_networks": "10/8"})");
  ASSERT_EQ(r.problems.size(), 4u);
  EXPECT_EQ(r.problems[0].message, "expected an array, got an object");
  EXPECT_EQ(r.problems[1].message, "expected an object, got \"x\"");
}

TEST(ConfigReader, DocumentMustBeAnObject) {
  Read r = read("[]");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(to_string(r.problems[0]), "t.json:1:1: expected an object, got an array");
}

TEST(ConfigReader, TopLevelTypoSuggestsTheSection) {
  Read r = read(R"({"recoder": {}})");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(to_string(r.problems[0]),
            "t.json:1:2: recoder: unknown key \"recoder\" (did you mean \"recorder\"?)");
}

TEST(ConfigReader, MetricsAreOffWithoutTheirSection) {
  Read r = read("{}");
  EXPECT_FALSE(r.config.metrics.enabled);
  EXPECT_EQ(r.config.metrics.listen, "127.0.0.1:9643");
  EXPECT_FALSE(r.config.metrics.per_peer);
}

TEST(ConfigReader, MetricsSectionTurnsThemOnAtTheDefaultAddress) {
  Read r = read(R"({"metrics": {}})");
  ASSERT_TRUE(r.problems.empty()) << to_string(r.problems);
  EXPECT_TRUE(r.config.metrics.enabled);
  EXPECT_EQ(r.config.metrics.listen, "127.0.0.1:9643");
}

TEST(ConfigReader, ReadsEveryMetricsKey) {
  Read r = read(R"({"metrics": {"enabled": false, "listen": "0.0.0.0:9100", "per_peer": true}})");
  ASSERT_TRUE(r.problems.empty()) << to_string(r.problems);
  EXPECT_FALSE(r.config.metrics.enabled);
  EXPECT_EQ(r.config.metrics.listen, "0.0.0.0:9100");
  EXPECT_TRUE(r.config.metrics.per_peer);
}

TEST(ConfigReader, MetricsUnknownKeyIsReported) {
  Read r = read(R"({"metrics": {"listen": "127.0.0.1:9643", "perpeer": true}})");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].path, "metrics.perpeer");
}

}  // namespace
}  // namespace ivy::config
