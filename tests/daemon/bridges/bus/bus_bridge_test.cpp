#include "daemon/bridges/bus/bus_bridge.hpp"

#include <gtest/gtest.h>

#include "core/dedup_window.hpp"
#include "tests/daemon/bridges/bridge_test_support.hpp"

namespace ivy::daemon::test {
namespace {

constexpr PeerKey kBusKeys = 1ull << 40;

BridgePolicyOptions policy(BridgeWay way, std::vector<std::string> include = {}, std::vector<std::string> exclude = {},
                           std::string add_prefix = {}, std::string strip_prefix = {}) {
  BridgePolicyOptions o;
  o.way = way;
  o.include = std::move(include);
  o.exclude = std::move(exclude);
  o.add_prefix = std::move(add_prefix);
  o.strip_prefix = std::move(strip_prefix);
  return o;
}

BusBridgeOptions options(std::string id, BridgePolicyOptions p = {}, BridgeMode mode = BridgeMode::kAll,
                         std::string local_name = {}, std::string remote_name = {}) {
  BusBridgeOptions o;
  o.id = std::move(id);
  o.policy = std::move(p);
  o.mode = mode;
  o.local_name = std::move(local_name);
  o.remote_name = std::move(remote_name);
  return o;
}

// Buses A, B (and C) as the daemon holds them, with client agents on each.
struct Buses {
  explicit Buses(std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
      const std::string id(1, static_cast<char>('a' + i));
      ports.push_back(unique_bus_port());
      buses.push_back(std::make_unique<DaemonBus>(io, log.logger, id, "ivyd-" + id, ports.back(), (i + 1) * kBusKeys));
    }
  }
  TestAgent& client(std::size_t bus, std::string name) {
    clients.push_back(std::make_unique<TestAgent>(io, log.logger, std::move(name), ports[bus]));
    return *clients.back();
  }
  BusBridge& bridge(BusBridgeOptions options, std::size_t local, std::size_t far) {
    options.first_peer_key = (10 + bridges.size()) * kBusKeys;
    bridges.push_back(std::make_unique<BusBridge>(io, std::move(options), buses[local]->port(), buses[far]->port(),
                                                  log.logger, hooks));
    EXPECT_TRUE(bridges.back()->start().ok());
    return *bridges.back();
  }
  void start_clients() {
    for (auto& c : clients) ASSERT_TRUE(c->agent->start().ok());
  }
  // Waits until every client sees `peers` ready links.
  bool settle(std::size_t peers) {
    return run_until(io, [&] {
      for (auto& c : clients) {
        if (!has_ready_peers(*c->agent, peers)) return false;
      }
      return true;
    });
  }
  ~Buses() {
    bridges.clear();
    for (auto& c : clients) c->agent->stop();
    for (auto& b : buses) b->agent->stop();
    run_for(io, 50ms);
  }

  asio::io_context io;
  TestLog log;
  BridgeHooks hooks;
  std::vector<std::uint16_t> ports;
  std::vector<std::unique_ptr<DaemonBus>> buses;
  std::vector<std::unique_ptr<TestAgent>> clients;
  std::vector<std::unique_ptr<BusBridge>> bridges;
};

TEST(BusBridge, CarriesMessagesWithCapturesInEachDirection) {
  Buses t(2);
  t.bridge(options("ab"), 0, 1);
  auto& a = t.client(0, "client-a");
  auto& b = t.client(1, "client-b");
  (void)a->subscribe("^FROM_B (\\w+) (\\d+)");
  (void)b->subscribe("^FROM_A (\\w+) (\\d+)");
  t.start_clients();
  ASSERT_TRUE(t.settle(1));
  ASSERT_TRUE(run_until(t.io, [&] { return peer_subscriptions(*a.agent) >= 1 && peer_subscriptions(*b.agent) >= 1; }));

  ASSERT_TRUE(a->send("FROM_A hello 42").ok());
  ASSERT_TRUE(b->send("FROM_B world 7").ok());
  ASSERT_TRUE(run_until(t.io, [&] { return received_count(a) == 1 && received_count(b) == 1; }));
  EXPECT_EQ(received(b), std::vector<std::string>{"hello|42"});
  EXPECT_EQ(received(a), std::vector<std::string>{"world|7"});
  EXPECT_EQ(b.events.of(AgentEvent::Kind::kMessage)[0].peer_name, "ivyd-b");  // the bridge is the sender
  const auto s = t.bridges[0]->status();
  EXPECT_EQ(s.counters.carried_out, 1u);
  EXPECT_EQ(s.counters.carried_in, 1u);
}

TEST(BusBridge, FiltersAndPrefixesApply) {
  Buses t(2);
  t.bridge(options("out", policy(BridgeWay::kOut, {"^TELEMETRY "}, {"DEBUG"}, "LAB ")), 0, 1);
  t.bridge(options("in", policy(BridgeWay::kIn, {"^LAB CMD "}, {}, "", "LAB ")), 0, 1);
  auto& lab = t.client(0, "lab");
  auto& ops = t.client(1, "ops");
  (void)lab->subscribe("^CMD (.*)");
  (void)ops->subscribe("(.*)");
  t.start_clients();
  ASSERT_TRUE(t.settle(1));
  ASSERT_TRUE(run_until(t.io, [&] { return peer_subscriptions(*lab.agent) >= 2 && peer_subscriptions(*ops.agent) >= 2; }));
  // The emitters are the buses' own agents: each must hold the client's
  // subscription before a carried copy can reach it.
  ASSERT_TRUE(run_until(t.io, [&] {
    return peer_subscriptions(*t.buses[0]->agent) >= 1 && peer_subscriptions(*t.buses[1]->agent) >= 1;
  }));

  for (auto text : {"TELEMETRY x=1", "TELEMETRY DEBUG y", "OTHER z"}) ASSERT_TRUE(lab->send(text).ok());
  for (auto text : {"LAB CMD go", "CMD direct"}) ASSERT_TRUE(ops->send(text).ok());
  ASSERT_TRUE(run_until(t.io, [&] { return received_count(ops) >= 1 && received_count(lab) >= 1; }));
  run_for(t.io, 100ms);  // room for a copy the filters should have stopped
  EXPECT_EQ(received(ops), std::vector<std::string>{"LAB TELEMETRY x=1"});
  EXPECT_EQ(received(lab), std::vector<std::string>{"go"});
  EXPECT_EQ(t.bridges[0]->status().counters.filtered, 2u);
  EXPECT_EQ(t.bridges[1]->status().counters.filtered, 1u);
}

TEST(BusBridge, InterestModeFollowsBindAndUnbindOnTheFarBus) {
  Buses t(2);
  auto& bridge = t.bridge(options("ab", policy(BridgeWay::kOut), BridgeMode::kInterest, "", "ab-bridge"), 0, 1);
  auto& a = t.client(0, "sender");
  auto& b = t.client(1, "listener");
  t.start_clients();
  ASSERT_TRUE(run_until(t.io, [&] { return has_ready_peers(*a.agent, 1) && has_ready_peers(*b.agent, 2); }));
  ASSERT_TRUE(run_until(t.io, [&] { return peer_subscriptions(*a.agent) >= 1; }));

  ASSERT_TRUE(a->send("X 1").ok());
  run_for(t.io, 50ms);
  EXPECT_EQ(bridge.status().counters.not_wanted, 1u);

  const int id = *b->subscribe("^X (\\d+)");
  ASSERT_TRUE(run_until(t.io, [&] { return bridge.status().interest_patterns == 1; }));
  ASSERT_TRUE(a->send("X 2").ok());
  ASSERT_TRUE(a->send("Y 2").ok());
  ASSERT_TRUE(run_until(t.io, [&] { return received_count(b) == 1; }));
  EXPECT_EQ(received(b), std::vector<std::string>{"2"});
  EXPECT_EQ(b.events.of(AgentEvent::Kind::kMessage)[0].peer_name, "ab-bridge");

  b->unsubscribe(id);
  ASSERT_TRUE(run_until(t.io, [&] { return bridge.status().interest_patterns == 0; }));
  ASSERT_TRUE(a->send("X 3").ok());
  run_for(t.io, 50ms);
  EXPECT_EQ(received_count(b), 1u);
  EXPECT_EQ(bridge.status().counters.not_wanted, 3u);  // X 1, Y 2, X 3
  EXPECT_EQ(bridge.status().counters.carried_out, 1u);
}

// Dedicated emitter agents on both sides: each bus hears the bridge's own
// agent, which must be recognised (marker) and never carried back.
TEST(BusBridge, TwoBusesBothWaysDeliverExactlyOnceWithoutStorm) {
  Buses t(2);
  auto& bridge = t.bridge(options("ab", {}, BridgeMode::kAll, "ab-on-a", "ab-on-b"), 0, 1);
  auto& a = t.client(0, "a");
  auto& b = t.client(1, "b");
  (void)a->subscribe("^M (.*)");
  (void)b->subscribe("^M (.*)");
  t.start_clients();
  ASSERT_TRUE(t.settle(2));
  ASSERT_TRUE(run_until(t.io, [&] { return peer_subscriptions(*a.agent) >= 2 && peer_subscriptions(*b.agent) >= 2; }));

  ASSERT_TRUE(a->send("M from-a").ok());
  ASSERT_TRUE(b->send("M from-b").ok());
  ASSERT_TRUE(run_until(t.io, [&] { return received_count(a) >= 1 && received_count(b) >= 1; }));
  run_for(t.io, 300ms);  // a storm would show here
  EXPECT_EQ(received(a), std::vector<std::string>{"from-b"});
  EXPECT_EQ(received(b), std::vector<std::string>{"from-a"});
  const auto s = bridge.status();
  EXPECT_EQ(s.counters.carried_out + s.counters.carried_in, 2u);
  EXPECT_EQ(s.counters.from_bridge_agents, 2u);  // each copy heard once more by the other side's tap
}

TEST(BusBridge, TriangleDeliversEachMessageExactlyOncePerBus) {
  Buses t(3);
  t.bridge(options("ab", {}, BridgeMode::kAll, "ab-a", "ab-b"), 0, 1);
  t.bridge(options("bc", {}, BridgeMode::kAll, "bc-b", "bc-c"), 1, 2);
  t.bridge(options("ca", {}, BridgeMode::kAll, "ca-c", "ca-a"), 2, 0);
  std::vector<TestAgent*> observers;
  for (std::size_t bus = 0; bus < 3; ++bus) {
    observers.push_back(&t.client(bus, "observer-" + std::to_string(bus)));
    (void)(*observers.back())->subscribe("^M (.*)");
  }
  auto& sender = t.client(0, "sender");
  t.start_clients();
  // Bus a: ivyd-a, ab-a, ca-a, observer, sender; b and c: 3 + observer.
  ASSERT_TRUE(run_until(t.io, [&] {
    return has_ready_peers(*sender.agent, 4) && has_ready_peers(*(*observers[1]).agent, 3) &&
           has_ready_peers(*(*observers[2]).agent, 3);
  }));
  ASSERT_TRUE(run_until(t.io, [&] { return peer_subscriptions(*sender.agent) >= 4; }));

  for (int i = 0; i < 5; ++i) ASSERT_TRUE(sender->send("M " + std::to_string(i)).ok());
  ASSERT_TRUE(run_until(t.io, [&] {
    for (auto* o : observers) {
      if (received_count(*o) < 5) return false;
    }
    return true;
  }));
  run_for(t.io, 300ms);  // a duplicate or a storm would show here
  for (auto* o : observers) {
    EXPECT_EQ(received(*o), (std::vector<std::string>{"0", "1", "2", "3", "4"})) << (*o)->name();
  }
}

TEST(BusBridge, DedupHookDropsACopyArrivingByAnotherPath) {
  Buses t(3);
  DedupWindow window;
  const auto start = std::chrono::steady_clock::now();
  t.hooks.is_duplicate = [&](const std::string& bus, std::string_view agent, std::string_view text,
                             std::string_view path) {
    if (bus != "c") return false;
    return window.is_duplicate(text, agent, path, std::chrono::steady_clock::now() - start);
  };
  // Bus a reaches bus c twice: directly, and through a second bridge from b,
  // where "copier" re-sends on b what it hears on a (not a bridge agent).
  t.bridge(options("ac", policy(BridgeWay::kOut)), 0, 2);
  t.bridge(options("bc", policy(BridgeWay::kOut)), 1, 2);
  auto& sender = t.client(0, "sender");
  auto& observer = t.client(2, "observer");
  (void)observer->subscribe("^M (.*)");
  t.start_clients();
  ASSERT_TRUE(run_until(t.io, [&] { return has_ready_peers(*observer.agent, 1) && peer_subscriptions(*sender.agent) >= 1; }));
  ASSERT_TRUE(sender->send("M one").ok());
  ASSERT_TRUE(run_until(t.io, [&] { return received_count(observer) >= 1; }));
  // The same text from an agent of the same name on bus b.
  TestAgent twin(t.io, t.log.logger, "sender", t.ports[1]);
  ASSERT_TRUE(twin->start().ok());
  ASSERT_TRUE(run_until(t.io, [&] { return peer_subscriptions(*twin.agent) >= 1; }));
  ASSERT_TRUE(twin->send("M one").ok());
  ASSERT_TRUE(run_until(t.io, [&] { return t.bridges[1]->status().counters.duplicates >= 1; }));
  run_for(t.io, 100ms);
  EXPECT_EQ(received(observer), std::vector<std::string>{"one"});
  EXPECT_EQ(t.bridges[1]->status().counters.duplicates, 1u);
  twin->stop();
}

}  // namespace
}  // namespace ivy::daemon::test
