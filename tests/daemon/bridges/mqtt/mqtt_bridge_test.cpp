// MqttBridge in-process: a daemon bus with Ivy agents on it, a real mosquitto,
// and a plain libmosquitto client on the broker's side.
#include "daemon/bridges/mqtt/mqtt_bridge.hpp"

#include <gtest/gtest.h>

#include <csignal>

#include <nlohmann/json.hpp>

#include "tests/daemon/bridges/bridge_test_support.hpp"
#include "tests/daemon/bridges/mqtt/mosquitto_broker.hpp"
#include "tests/daemon/bridges/mqtt/mqtt_test_client.hpp"

namespace ivy::daemon::test {
namespace {

using ivy::test::MosquittoBroker;
using ivy::test::MqttTestClient;

constexpr PeerKey kBusKeys = 1ull << 40;

struct MqttBridgeTest : ::testing::Test {
  void SetUp() override {
    std::signal(SIGPIPE, SIG_IGN);  // as ivyd does: libmosquitto writes with write()
    port = unique_bus_port();
    bus = std::make_unique<DaemonBus>(io, log.logger, "main", "ivyd-test", port, kBusKeys);
    hooks.on_bridged = [this](const BridgedMessage& m) { bridged.push_back(m); };
  }
  void TearDown() override {
    bridge.reset();
    for (auto& a : agents) a->agent->stop();
    bus->agent->stop();
    run_for(io, 30ms);
  }

  MqttBridgeOptions options_for(const MosquittoBroker& broker) {
    MqttBridgeOptions o;
    o.id = "gw";
    o.instance_id = "inst-1";
    o.topic_prefix = "ivy/lab1";
    o.qos = 1;
    o.site = "lab1";
    o.client.broker = config::BrokerUrl{false, "127.0.0.1", broker.port()};
    o.client.client_id = "ivyd-test-gw";
    o.client.subscribe = {"cmd/#"};
    o.client.reconnect_min = 20ms;
    o.client.reconnect_max = 100ms;
    o.first_peer_key = 2 * kBusKeys;
    return o;
  }
  MqttBridge& start(MqttBridgeOptions o) {
    bridge = std::make_unique<MqttBridge>(io, std::move(o), bus->port(), log.logger, hooks);
    EXPECT_TRUE(bridge->start().ok());
    EXPECT_TRUE(run_until(io, [&] { return bridge->status().state == "connected"; }, 5000ms)) << log.text.str();
    // Subscribed (or nothing to subscribe): the broker will send what comes next.
    const bool subscribes = !bridge->options().client.subscribe.empty() && bridge->options().policy.way != BridgeWay::kOut;
    EXPECT_TRUE(!subscribes || run_until(io, [&] { return log.text.str().find("subscribed to") != std::string::npos; }));
    return *bridge;
  }
  // An Ivy agent on the bus, linked to ivyd's agent (and each other).
  TestAgent& agent(std::string name, std::vector<std::string> subscriptions = {}) {
    agents.push_back(std::make_unique<TestAgent>(io, log.logger, std::move(name), port));
    for (const auto& s : subscriptions) EXPECT_TRUE((*agents.back())->subscribe(s).ok());
    EXPECT_TRUE((*agents.back())->start().ok());
    return *agents.back();
  }
  // Every agent linked to all others and to ivyd, ivyd's tap known to all.
  bool settle() {
    return run_until(io, [&] {
      for (auto& a : agents) {
        if (!has_ready_peers(*a->agent, agents.size()) || peer_subscriptions(*a->agent) < 1) return false;
      }
      return true;
    });
  }
  // Runs the loop until `client` has `count` messages (it waits on its own thread).
  bool arrived(const MqttTestClient& client, std::size_t count, std::chrono::milliseconds timeout = 10000ms) {
    return run_until(io, [&] { return client.count() >= count; }, timeout);
  }
  // The payloads in order of arrival, each once (QoS 1 may deliver twice).
  static std::vector<std::string> first_copies(const std::vector<ivy::test::ReceivedMqtt>& messages) {
    std::vector<std::string> out;
    for (const auto& m : messages) {
      if (std::find(out.begin(), out.end(), m.payload) == out.end()) out.push_back(m.payload);
    }
    return out;
  }

  asio::io_context io;
  TestLog log;
  std::uint16_t port = 0;
  std::unique_ptr<DaemonBus> bus;
  std::vector<std::unique_ptr<TestAgent>> agents;
  BridgeHooks hooks;
  std::vector<BridgedMessage> bridged;
  std::unique_ptr<MqttBridge> bridge;
};

TEST_F(MqttBridgeTest, PublishesEachMessageUnderThePrefixAndItsFirstWordByteForByte) {
  auto& broker = ivy::test::shared_broker();
  ASSERT_TRUE(broker.ok()) << broker.error();
  MqttTestClient sub;
  ASSERT_TRUE(sub.connect(broker.port()));
  ASSERT_TRUE(sub.subscribe("ivy/lab1/#"));
  start(options_for(broker));
  TestAgent& radar = agent("RADAR");
  ASSERT_TRUE(settle());
  const std::vector<std::string> texts = {"TrackMoved id=12 x=3", "a/b+c#d tail", " leading space",
                                          "caf\xc3\xa9 \xff\xfe raw"};
  for (const auto& t : texts) ASSERT_TRUE(radar->send(t).ok()) << t;
  ASSERT_TRUE(arrived(sub, texts.size())) << sub.count();
  const auto got = sub.messages();
  const std::vector<std::string> topics = {"ivy/lab1/TrackMoved", "ivy/lab1/a_b_c_d", "ivy/lab1/_",
                                           "ivy/lab1/caf\xc3\xa9"};
  for (std::size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(got[i].topic, topics[i]);
    EXPECT_EQ(got[i].payload, texts[i]);  // byte for byte, in order
    EXPECT_EQ(got[i].user("ivy-sender"), "RADAR");
    EXPECT_EQ(got[i].user("ivyd-origin"), "inst-1 main");
    EXPECT_EQ(got[i].qos, 1);
  }
  const auto s = bridge->status();
  EXPECT_EQ(s.counters.carried_out, texts.size());
  ASSERT_TRUE(run_until(io, [&] { return bridge->status().broker->acknowledged == texts.size(); }));
  EXPECT_EQ(bridge->status().broker->in_flight, 0u);
}

TEST_F(MqttBridgeTest, JsonPayloadCarriesTextSenderBusTimeAndSite) {
  auto& broker = ivy::test::shared_broker();
  ASSERT_TRUE(broker.ok()) << broker.error();
  MqttTestClient sub;
  ASSERT_TRUE(sub.connect(broker.port()));
  ASSERT_TRUE(sub.subscribe("ivy/lab1/#"));
  auto o = options_for(broker);
  o.payload = MqttPayloadFormat::kJson;
  o.wall_ns = [] { return std::int64_t{1'764'583'200'250'000'000}; };
  start(o);
  TestAgent& radar = agent("RADAR");
  ASSERT_TRUE(settle());
  ASSERT_TRUE(radar->send("TrackMoved id=12 \"quoted\"").ok());
  ASSERT_TRUE(arrived(sub, 1));
  const auto m = sub.messages()[0];
  EXPECT_EQ(m.topic, "ivy/lab1/TrackMoved");
  const auto doc = nlohmann::json::parse(m.payload);
  EXPECT_EQ(doc, (nlohmann::json{{"text", "TrackMoved id=12 \"quoted\""},
                                 {"sender", "RADAR"},
                                 {"bus", "main"},
                                 {"time", "2025-12-01T10:00:00.250000Z"},
                                 {"site", "lab1"}}));
}

TEST_F(MqttBridgeTest, EmitsBrokerMessagesOnTheBusAsTheirPayloadText) {
  auto& broker = ivy::test::shared_broker();
  ASSERT_TRUE(broker.ok()) << broker.error();
  start(options_for(broker));
  TestAgent& lights = agent("LIGHTS", {"^LIGHTS (.*)"});
  ASSERT_TRUE(settle());
  ASSERT_TRUE(run_until(io, [&] { return peer_subscriptions(*bus->agent) >= 1; }));
  MqttTestClient dashboard;
  ASSERT_TRUE(dashboard.connect(broker.port()));
  ASSERT_TRUE(dashboard.publish("cmd/lights", "LIGHTS on"));
  ASSERT_TRUE(dashboard.publish("cmd/lights", "LIGHTS off", 1, {{"ivy-sender", "nodered"}}));
  ASSERT_TRUE(dashboard.publish("cmd/lights", "LIGHTS bad\nline"));  // LF: not an Ivy message
  ASSERT_TRUE(dashboard.publish("other/topic", "LIGHTS never"));     // not subscribed
  ASSERT_TRUE(run_until(io, [&] { return received_count(lights) == 2 && bridge->status().counters.emit_errors == 1; }));
  run_for(io, 50ms);
  EXPECT_EQ(received(lights), (std::vector<std::string>{"on", "off"}));
  const auto s = bridge->status();
  EXPECT_EQ(s.counters.carried_in, 2u);
  EXPECT_EQ(s.broker->received, 3u);
  ASSERT_EQ(bridged.size(), 2u);
  EXPECT_EQ(bridged[0].dest_bus, "main");
  EXPECT_EQ(bridged[0].origin_bus, "mqtt:cmd/lights");
  EXPECT_EQ(bridged[0].origin_agent, "mqtt");  // an MQTT client that did not say
  EXPECT_EQ(bridged[1].origin_agent, "nodered");
  EXPECT_TRUE(bridged[0].via_bus_agent);
}

TEST_F(MqttBridgeTest, JsonPayloadsComingInAreEmittedAsTheirText) {
  auto& broker = ivy::test::shared_broker();
  ASSERT_TRUE(broker.ok()) << broker.error();
  auto o = options_for(broker);
  o.payload = MqttPayloadFormat::kJson;
  start(o);
  TestAgent& console = agent("CONSOLE", {"^(.*)$"});
  ASSERT_TRUE(settle());
  ASSERT_TRUE(run_until(io, [&] { return peer_subscriptions(*bus->agent) >= 1; }));
  MqttTestClient site_b;
  ASSERT_TRUE(site_b.connect(broker.port()));
  ASSERT_TRUE(site_b.publish("cmd/x", R"({"text":"ALARM 3","sender":"radar-b","bus":"main","site":"b"})"));
  ASSERT_TRUE(site_b.publish("cmd/x", "PLAIN 4"));
  ASSERT_TRUE(run_until(io, [&] { return received_count(console) == 2; }));
  EXPECT_EQ(received(console), (std::vector<std::string>{"ALARM 3", "PLAIN 4"}));
  ASSERT_EQ(bridged.size(), 2u);
  EXPECT_EQ(bridged[0].origin_agent, "radar-b");
}

TEST_F(MqttBridgeTest, FiltersAndPrefixesApplyBothWays) {
  auto& broker = ivy::test::shared_broker();
  ASSERT_TRUE(broker.ok()) << broker.error();
  MqttTestClient sub;
  ASSERT_TRUE(sub.connect(broker.port()));
  ASSERT_TRUE(sub.subscribe("ivy/lab1/#"));
  auto o = options_for(broker);
  o.policy.include = {"^TRACK", "^CMD"};
  o.policy.exclude = {"^TRACK DEBUG"};
  o.policy.add_prefix = "lab1.";
  o.policy.strip_prefix = "CMD ";
  start(o);
  TestAgent& radar = agent("RADAR", {"^LIGHTS (.*)"});
  ASSERT_TRUE(settle());
  ASSERT_TRUE(run_until(io, [&] { return peer_subscriptions(*bus->agent) >= 1; }));
  ASSERT_TRUE(radar->send("TRACK 1").ok());
  ASSERT_TRUE(radar->send("TRACK DEBUG 2").ok());
  ASSERT_TRUE(radar->send("OTHER 3").ok());
  MqttTestClient dashboard;
  ASSERT_TRUE(dashboard.connect(broker.port()));
  ASSERT_TRUE(dashboard.publish("cmd/x", "CMD LIGHTS on"));
  ASSERT_TRUE(dashboard.publish("cmd/x", "LIGHTS unfiltered"));
  ASSERT_TRUE(arrived(sub, 1));
  ASSERT_TRUE(run_until(io, [&] { return received_count(radar) == 1 && bridge->status().counters.filtered == 3; }));
  EXPECT_EQ(sub.messages()[0].topic, "ivy/lab1/lab1.TRACK");
  EXPECT_EQ(sub.messages()[0].payload, "lab1.TRACK 1");
  EXPECT_EQ(received(radar), std::vector<std::string>{"on"});
  EXPECT_EQ(sub.count(), 1u);
}

TEST_F(MqttBridgeTest, DirectionOutNeitherSubscribesNorEmits) {
  auto& broker = ivy::test::shared_broker();
  ASSERT_TRUE(broker.ok()) << broker.error();
  auto o = options_for(broker);
  o.policy.way = BridgeWay::kOut;
  start(o);
  TestAgent& console = agent("CONSOLE", {"^(.*)$"});
  ASSERT_TRUE(settle());
  MqttTestClient dashboard;
  ASSERT_TRUE(dashboard.connect(broker.port()));
  ASSERT_TRUE(dashboard.publish("cmd/x", "NOT FOR US"));
  ASSERT_TRUE(dashboard.subscribe("sync"));  // a round trip through the broker
  run_for(io, 100ms);
  EXPECT_EQ(received_count(console), 0u);
  EXPECT_EQ(bridge->status().broker->received, 0u);
  EXPECT_EQ(log.text.str().find("subscribed to"), std::string::npos);
}

TEST_F(MqttBridgeTest, InterestModeEmitsOnlyWhatSomeAgentSubscribes) {
  auto& broker = ivy::test::shared_broker();
  ASSERT_TRUE(broker.ok()) << broker.error();
  auto o = options_for(broker);
  o.mode = BridgeMode::kInterest;
  start(o);
  TestAgent& lights = agent("LIGHTS", {"^LIGHTS (.*)"});
  ASSERT_TRUE(settle());
  ASSERT_TRUE(run_until(io, [&] { return bridge->status().interest_patterns == 1; }));
  MqttTestClient dashboard;
  ASSERT_TRUE(dashboard.connect(broker.port()));
  ASSERT_TRUE(dashboard.publish("cmd/x", "DOORS open"));
  ASSERT_TRUE(dashboard.publish("cmd/x", "LIGHTS on"));
  ASSERT_TRUE(run_until(io, [&] { return received_count(lights) == 1; }));
  EXPECT_EQ(bridge->status().counters.not_wanted, 1u);
  EXPECT_EQ(bridge->status().counters.carried_in, 1u);
}

TEST_F(MqttBridgeTest, NeverEmitsItsOwnPublicationsBack) {
  auto& broker = ivy::test::shared_broker();
  ASSERT_TRUE(broker.ok()) << broker.error();
  auto o = options_for(broker);
  o.client.subscribe = {"ivy/#"};  // its own prefix too
  start(o);
  TestAgent& radar = agent("RADAR");
  TestAgent& console = agent("CONSOLE", {"^(.*)$"});
  ASSERT_TRUE(settle());
  MqttTestClient sub;
  ASSERT_TRUE(sub.connect(broker.port()));
  ASSERT_TRUE(sub.subscribe("ivy/#"));
  ASSERT_TRUE(radar->send("TRACK 1").ok());
  ASSERT_TRUE(arrived(sub, 1));
  // A copy that comes back carrying our origin (a broker bridge, an MQTT 3
  // hop that lost no-local): dropped all the same.
  ASSERT_TRUE(sub.publish("ivy/elsewhere/TRACK", "TRACK 1", 1, {{"ivyd-origin", "inst-1 main"}}));
  ASSERT_TRUE(sub.publish("ivy/lab2/TRACK", "TRACK 2", 1, {{"ivyd-origin", "inst-2 main"}}));
  ASSERT_TRUE(run_until(io, [&] { return received_count(console) == 2; }));
  run_for(io, 100ms);
  EXPECT_EQ(received(console), (std::vector<std::string>{"TRACK 1", "TRACK 2"}));  // RADAR's, then lab2's
  const auto s = bridge->status();
  EXPECT_EQ(s.broker->echoes, 1u);
  EXPECT_EQ(s.broker->received, 2u);  // no-local: the broker never sent our own publication back
  EXPECT_EQ(s.counters.carried_in, 1u);
  EXPECT_EQ(s.counters.carried_out, 1u);  // TRACK 2, emitted by ivyd's agent, is not carried out again
}

TEST_F(MqttBridgeTest, ADedicatedEmitterIsABridgeAgentWhoseMessagesStayOnTheBus) {
  auto& broker = ivy::test::shared_broker();
  ASSERT_TRUE(broker.ok()) << broker.error();
  MqttTestClient sub;
  ASSERT_TRUE(sub.connect(broker.port()));
  ASSERT_TRUE(sub.subscribe("ivy/#"));
  auto o = options_for(broker);
  o.local_name = "from-mqtt";
  start(o);
  TestAgent& console = agent("CONSOLE", {"^(.*)$"});
  ASSERT_TRUE(run_until(io, [&] { return has_ready_peers(*console.agent, 2) && peer_subscriptions(*console.agent) >= 1; }));
  ASSERT_TRUE(sub.publish("cmd/x", "HELLO 1"));
  ASSERT_TRUE(run_until(io, [&] { return received_count(console) == 1; }));
  EXPECT_EQ(console.events.of(AgentEvent::Kind::kMessage)[0].peer_name, "from-mqtt");
  ASSERT_TRUE(run_until(io, [&] { return bridge->status().counters.from_bridge_agents == 1; }));
  ASSERT_EQ(bridged.size(), 1u);
  EXPECT_FALSE(bridged[0].via_bus_agent);
  EXPECT_EQ(sub.count(), 0u);
}

// The broker goes away mid-stream and comes back (same port, its sessions
// kept on disk); a subscriber with a persistent session sees the stream.
struct MqttOutageTest : MqttBridgeTest {
  void SetUp() override {
    MqttBridgeTest::SetUp();
    ASSERT_TRUE(broker.ok()) << broker.error();
    ASSERT_TRUE(sub.connect(broker.port()));
    ASSERT_TRUE(sub.subscribe("ivy/lab1/#", 1));
  }
  static std::string text(int i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "MSG %03d", i);
    return buf;
  }
  MosquittoBroker broker{MosquittoBroker::Options{false, false, true, 0}};
  MqttTestClient sub{MqttTestClient::Options{"outage-subscriber", 3600, "", ""}};
};

TEST_F(MqttOutageTest, QosOneLosesNothingWithinTheOutageBuffer) {
  start(options_for(broker));
  TestAgent& radar = agent("RADAR");
  ASSERT_TRUE(settle());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(radar->send(text(i)).ok());
  ASSERT_TRUE(arrived(sub, 5));
  broker.stop();
  ASSERT_TRUE(run_until(io, [&] { return bridge->status().state != "connected"; }));
  for (int i = 5; i < 15; ++i) ASSERT_TRUE(radar->send(text(i)).ok());
  ASSERT_TRUE(run_until(io, [&] { return bridge->status().counters.buffered == 10; }));
  ASSERT_TRUE(broker.start()) << broker.error();
  ASSERT_TRUE(run_until(io, [&] { return bridge->status().state == "connected"; }, 5000ms)) << log.text.str();
  for (int i = 15; i < 20; ++i) ASSERT_TRUE(radar->send(text(i)).ok());
  ASSERT_TRUE(run_until(io, [&] { return bridge->status().broker->acknowledged == 20; }, 5000ms));
  ASSERT_TRUE(run_until(io, [&] { return first_copies(sub.messages()).size() == 20; }, 15000ms)) << sub.count();
  std::vector<std::string> expected;
  for (int i = 0; i < 20; ++i) expected.push_back(text(i));
  EXPECT_EQ(first_copies(sub.messages()), expected);  // all, in order
  // QoS 1 is at least once: what the subscriber had not acknowledged when
  // the broker stopped may come twice; nothing else does.
  EXPECT_LE(sub.count(), 25u);
  const auto s = bridge->status();
  EXPECT_EQ(s.counters.outage_dropped, 0u);
  EXPECT_EQ(s.counters.buffered, 0u);
  EXPECT_EQ(s.counters.connects, 2u);
  EXPECT_EQ(s.broker->lost, 1u);
}

TEST_F(MqttOutageTest, DropsBeyondTheOutageBufferAreCountedOldestFirst) {
  auto o = options_for(broker);
  // Each message takes topic + text + sender = "ivy/lab1/MSG" + "MSG 005" + "RADAR" = 24 bytes: room for 4.
  o.outage_buffer_bytes = 4 * 24;
  start(o);
  TestAgent& radar = agent("RADAR");
  ASSERT_TRUE(settle());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(radar->send(text(i)).ok());
  ASSERT_TRUE(arrived(sub, 5));
  broker.stop();
  ASSERT_TRUE(run_until(io, [&] { return bridge->status().state != "connected"; }));
  for (int i = 5; i < 15; ++i) ASSERT_TRUE(radar->send(text(i)).ok());
  ASSERT_TRUE(run_until(io, [&] { return bridge->status().counters.outage_dropped == 6; }));
  EXPECT_EQ(bridge->status().counters.buffered, 4u);
  ASSERT_TRUE(broker.start()) << broker.error();
  ASSERT_TRUE(run_until(io, [&] { return bridge->status().broker->acknowledged == 9; }, 5000ms)) << log.text.str();
  ASSERT_TRUE(run_until(io, [&] { return first_copies(sub.messages()).size() == 9; }, 15000ms)) << sub.count();
  run_for(io, 100ms);
  std::vector<std::string> expected;
  for (int i : {0, 1, 2, 3, 4, 11, 12, 13, 14}) expected.push_back(text(i));
  EXPECT_EQ(first_copies(sub.messages()), expected);
}

}  // namespace
}  // namespace ivy::daemon::test
