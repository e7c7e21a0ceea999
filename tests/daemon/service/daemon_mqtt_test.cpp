// End-to-end: the real ivyd with mqtt bridges (docs/bridge.md, "MQTT"),
// through a real mosquitto: two sites joined by one broker, the status and
// the recording, and the failures that must leave the bus and the recording
// alone (a wrong password, a TLS mismatch, a bad URL).
#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "tests/daemon/bridges/bridge_test_support.hpp"
#include "tests/daemon/bridges/mqtt/mosquitto_broker.hpp"
#include "tests/daemon/bridges/mqtt/mqtt_test_client.hpp"
#include "tests/daemon/ivyd_under_test.hpp"
#include "tests/daemon/metrics_scrape.hpp"
#include "tests/daemon/process_support.hpp"
#include "tests/daemon/test_support.hpp"

namespace ivy::daemon::test {
namespace {

using ivy::test::MosquittoBroker;
using json = nlohmann::json;

// `"id": "gw", "type": "mqtt", "bus": "main"` and the given members.
std::string mqtt_bridge(const std::string& members) {
  return R"({"id": "gw", "type": "mqtt", "bus": "main", "reconnect_min_ms": 50, "reconnect_max_ms": 200, )" +
         members + "}";
}

// The status entry of bridge `id`; null if absent.
json bridge_status(const json& status, const std::string& id = "gw") {
  if (!status.is_object()) return {};
  for (const auto& b : status["bridges"]) {
    if (b["id"] == id) return b;
  }
  return {};
}

// Subscriptions ivyd holds from its peer `name` on its first bus; -1 if no such peer.
long long subscriptions_of(const json& status, const std::string& name) {
  if (!status.is_object() || status["buses"].empty()) return -1;
  for (const auto& p : status["buses"][0]["peers"]) {
    if (p["name"] == name) return p["subscriptions"].get<long long>();
  }
  return -1;
}

// One ivyd on its own bus with an mqtt bridge, and Ivy agents on that bus.
struct Site {
  // `more`: more top-level config members (IvydSetup::more).
  Site(asio::io_context& io, Logger& log, const std::string& bridge_members, const std::string& name,
       const std::string& more = {})
      : port(unique_bus_port()), ivyd(port, setup(bridge_members, more)), sender(io, log, "RADAR-" + name, port),
        console(io, log, "CONSOLE-" + name, port) {
    EXPECT_TRUE(console->subscribe("^(.*)$").ok());
  }
  static IvydSetup setup(const std::string& bridge_members, const std::string& more = {}) {
    IvydSetup s;
    s.bridges = mqtt_bridge(bridge_members);
    s.more = more;
    return s;
  }
  // ivyd up, both agents linked to it, ivyd holding the console's subscription.
  bool start(asio::io_context& io) {
    if (!ivyd.start()) return false;
    if (!sender->start().ok() || !console->start().ok()) return false;
    return run_until(io, [&] {
      return has_ready_peers(*sender.agent, 2) && has_ready_peers(*console.agent, 2) &&
             peer_subscriptions(*sender.agent) >= 2 && subscriptions_of(ivyd.status(), console->name()) >= 1;
    }, 10000ms);
  }
  bool bridge_ready(asio::io_context& io, bool subscribes = true) {
    return run_until(io, [&] {
      return bridge_status(ivyd.status())["state"] == "connected" &&
             (!subscribes || ivyd.log_lines_with("bridge 'gw': subscribed to") >= 1);
    }, 10000ms);
  }
  // What the console received, sorted (the local message and the bridged one race).
  std::vector<std::string> console_got() const {
    auto got = received(console);
    std::sort(got.begin(), got.end());
    return got;
  }

  std::uint16_t port;
  IvydUnderTest ivyd;
  TestAgent sender;
  TestAgent console;
};

struct DaemonMqttTest : ::testing::Test {
  asio::io_context io;
  Logger log{LogLevel::kError, Logger::Style::kPlain};
};

TEST_F(DaemonMqttTest, TwoSitesThroughOneBrokerDeliverEachMessageExactlyOnceAndRecordTheOrigin) {
  auto& broker = ivy::test::shared_broker();
  ASSERT_TRUE(broker.ok()) << broker.error();
  const std::string common = R"("broker": ")" + broker.url() + R"(", "subscribe": ["ivy/+/#"], "qos": 1, )";
  Site a(io, log, common + R"("topic_prefix": "ivy/a", "client_id": "ivyd-site-a")", "A");
  Site b(io, log, common + R"("topic_prefix": "ivy/b", "client_id": "ivyd-site-b")", "B");
  ASSERT_TRUE(a.start(io)) << a.ivyd.log();
  ASSERT_TRUE(b.start(io)) << b.ivyd.log();
  ASSERT_TRUE(a.bridge_ready(io)) << a.ivyd.log();
  ASSERT_TRUE(b.bridge_ready(io)) << b.ivyd.log();

  ASSERT_TRUE(a.sender->send("HELLO from-a 1").ok());
  ASSERT_TRUE(b.sender->send("HELLO from-b 2").ok());
  ASSERT_TRUE(run_until(io, [&] { return received_count(a.console) >= 2 && received_count(b.console) >= 2; },
                        10000ms))
      << a.ivyd.log() << b.ivyd.log();
  run_for(io, 500ms);  // time for any second copy to show up
  EXPECT_EQ(a.console_got(), (std::vector<std::string>{"HELLO from-a 1", "HELLO from-b 2"}));
  EXPECT_EQ(b.console_got(), (std::vector<std::string>{"HELLO from-a 1", "HELLO from-b 2"}));

  const json gw = bridge_status(a.ivyd.status());
  EXPECT_EQ(gw["type"], "mqtt");
  EXPECT_EQ(gw["far"], broker.url());
  EXPECT_EQ(gw["counters"]["carried_out"], 1);
  EXPECT_EQ(gw["counters"]["carried_in"], 1);
  EXPECT_EQ(gw["broker"]["state"], "connected");
  EXPECT_EQ(gw["broker"]["client_id"], "ivyd-site-a");
  EXPECT_EQ(gw["broker"]["last_error"], "");
  EXPECT_EQ(gw["broker"]["counters"]["published"], 1);
  EXPECT_EQ(gw["broker"]["counters"]["received"], 1);  // no-local: never its own

  // Each recording holds each message once: its own first-hand, the other's
  // as re-emitted by ivyd, with where it came from.
  ASSERT_TRUE(ivy::test::eventually([&] { return b.ivyd.recorded("^HELLO") == 2; })) << b.ivyd.recorded("^HELLO");
  const auto entries = b.ivyd.query({"--kind", "msg", "--match", "^HELLO from-a"});
  ASSERT_TRUE(entries.has_value());
  ASSERT_EQ(entries->size(), 1u);
  const json& copy = entries->front();
  EXPECT_EQ(copy["agent"]["name"], "ivyd");
  EXPECT_EQ(copy["origin"]["agent"], "RADAR-A");
  EXPECT_EQ(copy["origin"]["bus"], "mqtt:ivy/a/HELLO");
  ASSERT_EQ(copy["receivers"].size(), 1u);
  EXPECT_EQ(copy["receivers"][0]["name"], "CONSOLE-B");
  EXPECT_EQ(a.ivyd.recorded("^HELLO"), 2);

  std::string text;
  ASSERT_EQ(ivy::test::run_command({ivy::test::bin_path("ivyctl"), "status", "--socket", a.ivyd.socket_path()}, &text),
            0);
  EXPECT_NE(text.find("bridge gw: mqtt, connected to " + broker.url() + " as 'ivyd-site-a'"), std::string::npos)
      << text;
}

TEST_F(DaemonMqttTest, MessagesFromTheBrokerReachTheBusAndMessagesFromTheBusReachTheBroker) {
  auto& broker = ivy::test::shared_broker();
  ASSERT_TRUE(broker.ok()) << broker.error();
  ivy::test::MqttTestClient nodered;
  ASSERT_TRUE(nodered.connect(broker.port()));
  ASSERT_TRUE(nodered.subscribe("ivy/lab1/#"));
  Site lab(io, log,
           R"("broker": ")" + broker.url() + R"(", "topic_prefix": "ivy/lab1", "subscribe": ["cmd/#"], "payload": "json")",
           "lab");
  ASSERT_TRUE(lab.start(io)) << lab.ivyd.log();
  ASSERT_TRUE(lab.bridge_ready(io)) << lab.ivyd.log();
  ASSERT_TRUE(lab.sender->send("TrackMoved id=7").ok());
  ASSERT_TRUE(nodered.publish("cmd/lights", R"({"text": "LIGHTS on", "sender": "dashboard"})"));
  ASSERT_TRUE(run_until(io, [&] { return nodered.count() == 1 && received_count(lab.console) == 2; }, 10000ms));
  const auto m = nodered.messages()[0];
  EXPECT_EQ(m.topic, "ivy/lab1/TrackMoved");
  const json doc = json::parse(m.payload);
  EXPECT_EQ(doc["text"], "TrackMoved id=7");
  EXPECT_EQ(doc["sender"], "RADAR-lab");
  EXPECT_EQ(doc["bus"], "main");
  EXPECT_TRUE(doc["time"].is_string());
  EXPECT_EQ(lab.console_got(), (std::vector<std::string>{"LIGHTS on", "TrackMoved id=7"}));
  ASSERT_TRUE(ivy::test::eventually([&] { return lab.ivyd.recorded("^LIGHTS") == 1; }));
  const auto entries = lab.ivyd.query({"--kind", "msg", "--match", "^LIGHTS"});
  ASSERT_TRUE(entries && entries->size() == 1);
  EXPECT_EQ(entries->front()["origin"]["agent"], "dashboard");
  EXPECT_EQ(entries->front()["origin"]["bus"], "mqtt:cmd/lights");
}

// A bridge that cannot reach its broker: a clear error in the log and the
// status, and the bus and its recording carry on.
struct DaemonMqttFailureTest : DaemonMqttTest {
  void expect_bus_and_recording_go_on(Site& site) {
    ASSERT_TRUE(site.sender->send("STILL RECORDING 1").ok());
    ASSERT_TRUE(run_until(io, [&] { return received_count(site.console) == 1; }, 5000ms));
    EXPECT_TRUE(ivy::test::eventually([&] { return site.ivyd.recorded("^STILL RECORDING") == 1; }));
    EXPECT_TRUE(site.ivyd.running());
  }
};

TEST_F(DaemonMqttFailureTest, AWrongPasswordIsAClearErrorAndTheBusAndRecordingGoOn) {
  auto& broker = ivy::test::shared_secure_broker();
  ASSERT_TRUE(broker.ok()) << broker.error();
  ivy::test::TempDir secrets;
  ivy::test::write_text_file(secrets.file("pw"), "not-the-password\n");
  Site site(io, log,
            R"("broker": "mqtt://127.0.0.1:)" + std::to_string(broker.auth_port()) +
                R"(", "topic_prefix": "ivy/lab1", "subscribe": ["cmd/#"], "username": "ivyd", "password_file": ")" +
                secrets.file("pw") + "\"",
            "lab");
  ASSERT_TRUE(site.start(io)) << site.ivyd.log();
  const std::string url = "mqtt://127.0.0.1:" + std::to_string(broker.auth_port());
  ASSERT_TRUE(ivy::test::eventually([&] {
    return bridge_status(site.ivyd.status())["broker"]["last_error"] == "refused by the broker: Not authorized";
  })) << site.ivyd.log();
  EXPECT_EQ(site.ivyd.log_lines_with("bridge 'gw': cannot connect to " + url + ": refused by the broker: Not authorized"),
            1u)
      << site.ivyd.log();
  const json gw = bridge_status(site.ivyd.status());
  EXPECT_NE(gw["state"], "connected");
  EXPECT_GE(gw["counters"]["rejected"].get<int>(), 1);
  expect_bus_and_recording_go_on(site);
}

TEST_F(DaemonMqttFailureTest, ATlsMismatchIsAClearErrorAndTheBusAndRecordingGoOn) {
  auto& broker = ivy::test::shared_secure_broker();
  ASSERT_TRUE(broker.ok()) << broker.error();
  const std::string url = "mqtts://127.0.0.1:" + std::to_string(broker.tls_port());
  Site site(io, log,
            R"("broker": ")" + url + R"(", "topic_prefix": "ivy/lab1", "direction": "out", "ca_file": ")" +
                broker.other_ca_file() + "\"",
            "lab");
  ASSERT_TRUE(site.start(io)) << site.ivyd.log();
  ASSERT_TRUE(ivy::test::eventually([&] {
    return bridge_status(site.ivyd.status())["broker"]["last_error"].get<std::string>().find(
               "certificate verify failed") != std::string::npos;
  })) << site.ivyd.log();
  EXPECT_EQ(site.ivyd.log_lines_with("bridge 'gw': cannot connect to " + url + ": TLS: "), 1u) << site.ivyd.log();
  expect_bus_and_recording_go_on(site);
  EXPECT_EQ(bridge_status(site.ivyd.status())["counters"]["buffered"], 1);  // kept for when TLS works
}

TEST_F(DaemonMqttFailureTest, ABadBrokerUrlIsRefusedByCheckConfigAndAReloadKeepsTheRunningConfig) {
  IvydSetup setup;
  setup.bridges = mqtt_bridge(R"("broker": "mqtt://broker.lab:99999", "topic_prefix": "ivy/lab1", "direction": "out")");
  const auto port = unique_bus_port();
  IvydUnderTest checked(port, setup);
  std::string err;
  EXPECT_EQ(ivy::test::run_command({ivy::test::bin_path("ivyd"), "--check-config", "--config", checked.config_path()},
                                   nullptr, &err),
            78);
  EXPECT_NE(err.find("bridges[0].broker: \"mqtt://broker.lab:99999\": port out of range 1-65535"), std::string::npos)
      << err;

  // The same mistake in a reload of a running ivyd: logged, ignored.
  Site site(io, log,
            R"("broker": "mqtt://127.0.0.1:)" + std::to_string(ivy::test::free_tcp_port()) +
                R"(", "topic_prefix": "ivy/lab1", "direction": "out")",
            "lab");
  ASSERT_TRUE(site.start(io)) << site.ivyd.log();
  site.ivyd.reconfigure(site.port, setup);
  site.ivyd.reload();
  ASSERT_TRUE(ivy::test::eventually(
      [&] { return site.ivyd.log_lines_with("port out of range 1-65535") == 1; }))
      << site.ivyd.log();
  EXPECT_EQ(bridge_status(site.ivyd.status())["far"].get<std::string>().rfind("mqtt://127.0.0.1:", 0), 0u);
  expect_bus_and_recording_go_on(site);
}

TEST_F(DaemonMqttTest, MetricsCountTheBrokerSide) {
  auto& broker = ivy::test::shared_broker();
  ASSERT_TRUE(broker.ok()) << broker.error();
  Site site(io, log, R"("broker": ")" + broker.url() + R"(", "topic_prefix": "ivy/lab1", "subscribe": ["cmd/#"])",
            "lab", R"("metrics": {"listen": "127.0.0.1:0"})");
  ASSERT_TRUE(site.start(io)) << site.ivyd.log();
  ASSERT_TRUE(site.bridge_ready(io)) << site.ivyd.log();
  ivy::test::MqttTestClient dashboard;
  ASSERT_TRUE(dashboard.connect(broker.port()));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(site.sender->send("TRACK " + std::to_string(i)).ok());
  ASSERT_TRUE(dashboard.publish("cmd/x", "LIGHTS on"));
  ASSERT_TRUE(run_until(io, [&] { return received_count(site.console) == 4; }, 5000ms));
  const std::string address = site.ivyd.status()["metrics"].value("address", "");
  ASSERT_FALSE(address.empty()) << site.ivyd.log();
  std::optional<Scrape> scrape;
  ASSERT_TRUE(ivy::test::eventually([&] {
    scrape = scrape_metrics(address);
    return scrape && scrape->value(R"(ivyd_mqtt_acknowledged_total{bridge="gw"})") == 3;
  })) << (scrape ? "" : "no scrape");
  EXPECT_EQ(scrape->value(R"(ivyd_mqtt_published_total{bridge="gw"})"), 3);
  EXPECT_EQ(scrape->value(R"(ivyd_mqtt_in_flight{bridge="gw"})"), 0);
  EXPECT_EQ(scrape->value(R"(ivyd_mqtt_received_total{bridge="gw"})"), 1);
  EXPECT_EQ(scrape->value(R"(ivyd_mqtt_echoes_total{bridge="gw"})"), 0);
  EXPECT_EQ(scrape->value(R"(ivyd_mqtt_connections_lost_total{bridge="gw"})"), 0);
  EXPECT_EQ(scrape->value(R"(ivyd_bridge_connected{bridge="gw"})"), 1);
  EXPECT_EQ(scrape->value(R"(ivyd_bridge_connects_total{bridge="gw"})"), 1);
  EXPECT_EQ(scrape->value(R"(ivyd_bridge_carried_total{bridge="gw",direction="out"})"), 3);
  EXPECT_EQ(scrape->value(R"(ivyd_bridge_carried_total{bridge="gw",direction="in"})"), 1);
  EXPECT_EQ(scrape->types["ivyd_mqtt_in_flight"], "gauge");
  EXPECT_EQ(scrape->types["ivyd_mqtt_published_total"], "counter");
}

TEST_F(DaemonMqttTest, AReloadThatChangesTheTopicPrefixRestartsTheBridge) {
  auto& broker = ivy::test::shared_broker();
  ASSERT_TRUE(broker.ok()) << broker.error();
  ivy::test::MqttTestClient sub;
  ASSERT_TRUE(sub.connect(broker.port()));
  ASSERT_TRUE(sub.subscribe("ivy/#"));
  const std::string members = R"("broker": ")" + broker.url() + R"(", "direction": "out", "topic_prefix": )";
  Site site(io, log, members + R"("ivy/old")", "lab");
  ASSERT_TRUE(site.start(io)) << site.ivyd.log();
  ASSERT_TRUE(site.bridge_ready(io, false));
  ASSERT_TRUE(site.sender->send("TRACK 1").ok());
  ASSERT_TRUE(run_until(io, [&] { return sub.count() == 1; }, 5000ms));
  site.ivyd.reconfigure(site.port, Site::setup(members + R"("ivy/new")"));
  site.ivyd.reload();
  ASSERT_TRUE(ivy::test::eventually([&] { return site.ivyd.log_lines_with("config reloaded: bridges ~gw") == 1; }))
      << site.ivyd.log();
  ASSERT_TRUE(site.bridge_ready(io, false));
  ASSERT_TRUE(site.sender->send("TRACK 2").ok());
  ASSERT_TRUE(run_until(io, [&] { return sub.count() == 2; }, 5000ms)) << site.ivyd.log();
  EXPECT_EQ(sub.messages()[0].topic, "ivy/old/TRACK");
  EXPECT_EQ(sub.messages()[1].topic, "ivy/new/TRACK");
}

}  // namespace
}  // namespace ivy::daemon::test
