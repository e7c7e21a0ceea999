// Loopback tests of static peers (Agent::add_static_peer, StaticPeerDialer):
// agents on different bus ports, which broadcast discovery cannot join, and
// the interplay with discovery on a shared bus.
#include "daemon/agent/static_peer_dialer.hpp"

#include <gtest/gtest.h>

#include <deque>

#include "tests/daemon/test_support.hpp"

namespace ivy::daemon::test {
namespace {

using Kind = AgentEvent::Kind;

// A TCP port nobody listens on now (bound, read, closed).
std::uint16_t free_tcp_port() {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

std::size_t count_lines(const std::string& text, std::string_view needle) {
  std::size_t n = 0;
  for (std::size_t at = 0; (at = text.find(needle, at)) != std::string::npos; at += needle.size()) ++n;
  return n;
}

bool ready_peers(TestAgent& a, std::size_t n) {
  const auto peers = a->peers();
  if (peers.size() != n) return false;
  for (const auto& p : peers) {
    if (!p.ready) return false;
  }
  return true;
}

class StaticPeerTest : public ::testing::Test {
 protected:
  // Fast redials so a test waits milliseconds, not seconds.
  static void fast(AgentOptions& o) {
    o.static_peer_retry_min = 20ms;
    o.static_peer_retry_max = 100ms;
    o.connect_timeout = 500ms;
  }
  TestAgent& add(std::string name, std::uint16_t bus_port, std::uint16_t tcp_port = 0) {
    return agents_.emplace_back(io_, log_.logger, std::move(name), bus_port, [tcp_port](AgentOptions& o) {
      fast(o);
      o.tcp_port = tcp_port;
    });
  }
  void stop(TestAgent& a) {
    bool done = false;
    a->stop([&] { done = true; });
    ASSERT_TRUE(run_until(io_, [&] { return done; }));
  }

  asio::io_context io_;
  TestLog log_;
  std::deque<TestAgent> agents_;
};

TEST_F(StaticPeerTest, LinksAgentsOnDifferentBusesAndCarriesMessagesBothWays) {
  auto& a = add("A", unique_bus_port());
  auto& b = add("B", unique_bus_port());
  ASSERT_TRUE(a->subscribe("^to-a (.*)").ok());
  ASSERT_TRUE(b->subscribe("^to-b (.*)").ok());
  ASSERT_TRUE(b->start().ok());
  ASSERT_TRUE(a->start().ok());
  a->add_static_peer("127.0.0.1", b->tcp_port());  // after start()
  ASSERT_TRUE(run_until(io_, [&] { return ready_peers(a, 1) && ready_peers(b, 1); }));
  EXPECT_TRUE(a->peers().front().outgoing);
  EXPECT_EQ(a->peers().front().identity.name, "B");
  EXPECT_EQ(a->static_peers_linked(), 1u);

  EXPECT_EQ(*a->send("to-b hello"), 1u);
  EXPECT_EQ(*b->send("to-a world"), 1u);
  ASSERT_TRUE(run_until(io_, [&] {
    return a.events.count(Kind::kMessage) == 1 && b.events.count(Kind::kMessage) == 1;
  }));
  EXPECT_EQ(b.events.of(Kind::kMessage).front().args, std::vector<std::string>{"hello"});
  EXPECT_EQ(a.events.of(Kind::kMessage).front().args, std::vector<std::string>{"world"});
  EXPECT_EQ(count_lines(log_.text.str(), "static peer 127.0.0.1:" + std::to_string(b->tcp_port()) + ": connected"),
            1u);
}

TEST_F(StaticPeerTest, ResolvesAHostNameGivenBeforeStart) {
  auto& b = add("B", unique_bus_port());
  ASSERT_TRUE(b->start().ok());
  auto& a = add("A", unique_bus_port());
  a->add_static_peer("localhost", b->tcp_port());  // /etc/hosts, no DNS
  ASSERT_TRUE(a->start().ok());
  ASSERT_TRUE(run_until(io_, [&] { return ready_peers(a, 1) && ready_peers(b, 1); }));
}

// B refuses at first, listens later, restarts: A keeps redialling, warns
// once per outage and links each time B is back.
TEST_F(StaticPeerTest, RedialsUntilThePeerListensAndAfterItRestarts) {
  const auto port = free_tcp_port();
  auto& a = add("A", unique_bus_port());
  a->add_static_peer("127.0.0.1", port);
  ASSERT_TRUE(a->start().ok());
  run_for(io_, 400ms);  // several refused attempts
  EXPECT_EQ(a->peer_count(), 0u);
  const std::string failure = "static peer 127.0.0.1:" + std::to_string(port) + ": cannot connect";
  EXPECT_EQ(count_lines(log_.text.str(), failure), 1u) << "repeated failures are debug lines";

  const auto b_bus = unique_bus_port();
  auto& b1 = add("B", b_bus, port);
  ASSERT_TRUE(b1->start().ok());
  ASSERT_TRUE(run_until(io_, [&] { return ready_peers(a, 1) && ready_peers(b1, 1); }));

  stop(b1);
  ASSERT_TRUE(run_until(io_, [&] { return a.events.count(Kind::kDisconnected) == 1; }));
  run_for(io_, 300ms);  // refused again while B is down
  auto& b2 = add("B2", b_bus, port);
  ASSERT_TRUE(b2->start().ok());
  ASSERT_TRUE(run_until(io_, [&] { return ready_peers(a, 1) && ready_peers(b2, 1); }));
  EXPECT_EQ(a->peers().front().identity.name, "B2");
  EXPECT_EQ(count_lines(log_.text.str(), failure), 2u) << "one warning per outage";
}

// A lists B, and both are on the same bus: discovery and the dialer race,
// yet each side ends with exactly one link and every message arrives once.
TEST_F(StaticPeerTest, PeerAlsoOnTheBusGetsOneLink) {
  for (int round = 0; round < 3; ++round) {
    const auto bus = unique_bus_port();
    auto& b = add("B", bus);
    ASSERT_TRUE(b->subscribe("^ping").ok());
    ASSERT_TRUE(b->start().ok());
    auto& a = add("A", bus);
    a->add_static_peer("127.0.0.1", b->tcp_port());
    ASSERT_TRUE(a->start().ok());  // B connects back to A's announcement meanwhile
    ASSERT_TRUE(run_until(io_, [&] { return ready_peers(a, 1) && ready_peers(b, 1); }));
    run_for(io_, 200ms);  // a late second link would show now
    EXPECT_EQ(a->peer_count(), 1u);
    EXPECT_EQ(b->peer_count(), 1u);
    EXPECT_EQ(a->static_peers_linked(), 1u);
    EXPECT_EQ(*a->send("ping"), 1u);
    run_for(io_, 100ms);
    EXPECT_EQ(b.events.count(Kind::kMessage), 1u);
    stop(a);
    stop(b);
  }
}

// Discovery links A to B first (B announces after A's dial failed); the
// dialer then waits, and redials only when that link is gone.
TEST_F(StaticPeerTest, DialerWaitsWhileDiscoveryHoldsTheLink) {
  const auto bus = unique_bus_port();
  const auto port = free_tcp_port();
  auto& a = add("A", bus);
  a->add_static_peer("127.0.0.1", port);
  ASSERT_TRUE(a->start().ok());
  run_for(io_, 100ms);
  auto& b1 = add("B", bus, port);
  ASSERT_TRUE(b1->start().ok());
  ASSERT_TRUE(run_until(io_, [&] { return ready_peers(a, 1) && ready_peers(b1, 1); }));
  run_for(io_, 300ms);  // many backoff periods: no second link
  EXPECT_EQ(a->peer_count(), 1u);
  EXPECT_EQ(b1->peer_count(), 1u);
  // Not even one closed by the §5.4 dedupe: the dialer never dialled.
  EXPECT_EQ(a->counters().duplicate_links + b1->counters().duplicate_links, 0u);
  EXPECT_EQ(a->static_peers_linked(), 1u);

  // B leaves; a B that does not announce (another bus) takes its port: only
  // the dialer can find it.
  stop(b1);
  auto& b2 = add("B2", unique_bus_port(), port);
  ASSERT_TRUE(b2->start().ok());
  ASSERT_TRUE(run_until(io_, [&] { return ready_peers(a, 1) && ready_peers(b2, 1); }));
  EXPECT_TRUE(a->peers().front().outgoing);
}

TEST_F(StaticPeerTest, UnreachablePeerDoesNotStallTheAgent) {
  const auto bus = unique_bus_port();
  auto& b = add("B", unique_bus_port());
  ASSERT_TRUE(b->start().ok());
  auto& a = add("A", bus);
  a->add_static_peer("127.0.0.1", free_tcp_port());  // refused, forever
  a->add_static_peer("127.0.0.1", b->tcp_port());
  ASSERT_TRUE(a->subscribe("^x").ok());
  ASSERT_TRUE(a->start().ok());
  auto& c = add("C", bus);  // discovery still works
  ASSERT_TRUE(c->start().ok());
  ASSERT_TRUE(run_until(io_, [&] { return ready_peers(a, 2) && ready_peers(b, 1) && ready_peers(c, 1); }));
  EXPECT_EQ(a->static_peers_linked(), 1u);
  EXPECT_EQ(*c->send("x1"), 1u);
  EXPECT_EQ(*b->send("x2"), 1u);
  ASSERT_TRUE(run_until(io_, [&] { return a.events.count(Kind::kMessage) == 2; }));
}

TEST_F(StaticPeerTest, StopCancelsPendingRedials) {
  auto& a = add("A", unique_bus_port());
  a->add_static_peer("127.0.0.1", free_tcp_port());
  ASSERT_TRUE(a->start().ok());
  run_for(io_, 100ms);
  stop(a);
  agents_.clear();  // destroyed with a redial timer that was pending
  run_for(io_, 200ms);
  EXPECT_EQ(io_.poll(), 0u) << "no handler left behind";
}

}  // namespace
}  // namespace ivy::daemon::test
