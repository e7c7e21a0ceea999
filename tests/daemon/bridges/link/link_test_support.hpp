#pragma once
// Support for the LinkBridge tests (plaintext and TLS) and their shared
// fixture: two ivyd "sites" in one io_context, each a daemon bus with a
// client agent on it and, once the test asks, a link bridge; site a listens
// and site b dials it.

#include <functional>
#include <memory>
#include <string>

#include "daemon/bridges/link/link_bridge.hpp"
#include "tests/daemon/bridges/bridge_test_support.hpp"

namespace ivy::daemon::test {

constexpr PeerKey kKeys = 1ull << 40;
const std::string kToken = "0123456789abcdef-secret";

// One ivyd "site": a daemon bus, a client agent on it, and a link bridge.
struct Site {
  Site(asio::io_context& io, Logger& log, std::string name, PeerKey key_base)
      : port(unique_bus_port()),
        bus(io, log, "main", "ivyd-" + name, port, key_base),
        client(io, log, "client-" + name, port) {}

  LinkBridge& link(asio::io_context& io, Logger& log, LinkBridgeOptions o) {
    o.first_peer_key = bus.agent->options().first_peer_key + (1ull << 36);
    bridge = std::make_unique<LinkBridge>(io, std::move(o), bus.port(), log);
    EXPECT_TRUE(bridge->start().ok());
    return *bridge;
  }

  std::uint16_t port;
  DaemonBus bus;
  TestAgent client;
  std::unique_ptr<LinkBridge> bridge;
};

inline LinkBridgeOptions link_options(std::string id, std::string instance, LinkConnection::Role role) {
  LinkBridgeOptions o;
  o.id = std::move(id);
  o.instance_id = std::move(instance);
  o.role = role;
  o.listen = "127.0.0.1:0";
  o.token = kToken;
  o.reconnect_min = std::chrono::milliseconds(20);
  o.reconnect_max = std::chrono::milliseconds(100);
  o.keepalive = std::chrono::milliseconds(100);
  return o;
}

struct LinkTest : ::testing::Test {
  void SetUp() override {
    a = std::make_unique<Site>(io, log.logger, "a", kKeys);
    b = std::make_unique<Site>(io, log.logger, "b", 2 * kKeys);
  }
  void TearDown() override {
    for (Site* s : {a.get(), b.get()}) {
      if (!s) continue;
      s->bridge.reset();
      s->client->stop();
      s->bus.agent->stop();
    }
    run_for(io, 30ms);
  }
  // a listens, b dials it.
  void link_up(BridgeMode mode = BridgeMode::kAll, std::string listen_token = kToken) {
    link_up([&](LinkBridgeOptions& la, LinkBridgeOptions& lb) {
      la.token = listen_token;
      la.mode = lb.mode = mode;
    });
  }
  // a listens, b dials it; `adjust` changes the options of both first.
  void link_up(const std::function<void(LinkBridgeOptions& listener, LinkBridgeOptions& dialer)>& adjust) {
    auto la = link_options("to-b", "inst-a", LinkConnection::Role::kListener);
    auto lb = link_options("to-a", "inst-b", LinkConnection::Role::kDialer);
    adjust(la, lb);
    auto& listener = a->link(io, log.logger, std::move(la));
    lb.dial = {"127.0.0.1:" + std::to_string(listener.listen_port())};
    b->link(io, log.logger, std::move(lb));
  }
  bool connected() {
    return a->bridge->status().state == "connected" && b->bridge->status().state == "connected";
  }
  void start_clients() {
    ASSERT_TRUE(a->client->start().ok());
    ASSERT_TRUE(b->client->start().ok());
    ASSERT_TRUE(run_until(io, [&] { return has_ready_peers(*a->client.agent, 1) && has_ready_peers(*b->client.agent, 1); }));
  }

  asio::io_context io;
  TestLog log;
  std::unique_ptr<Site> a, b;
};

}  // namespace ivy::daemon::test
