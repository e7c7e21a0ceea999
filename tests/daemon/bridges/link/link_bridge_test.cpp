#include "daemon/bridges/link/link_bridge.hpp"

#include <gtest/gtest.h>

#include "tests/daemon/bridges/link/link_test_support.hpp"

namespace ivy::daemon::test {
namespace {

TEST_F(LinkTest, MessagesWithCapturesCrossInEachDirection) {
  (void)a->client->subscribe("^FROM_B (\\w+) (\\d+)");
  (void)b->client->subscribe("^FROM_A (\\w+) (\\d+)");
  start_clients();
  link_up();
  ASSERT_TRUE(run_until(io, [&] { return connected(); }));
  ASSERT_TRUE(run_until(io, [&] { return peer_subscriptions(*a->client.agent) >= 2; }));
  ASSERT_TRUE(a->client->send("FROM_A hello 1").ok());
  ASSERT_TRUE(b->client->send("FROM_B world 2").ok());
  ASSERT_TRUE(run_until(io, [&] { return received_count(a->client) == 1 && received_count(b->client) == 1; }));
  EXPECT_EQ(received(b->client), std::vector<std::string>{"hello|1"});
  EXPECT_EQ(received(a->client), std::vector<std::string>{"world|2"});
  EXPECT_EQ(a->bridge->status().counters.carried_out, 1u);
  EXPECT_EQ(a->bridge->status().counters.carried_in, 1u);
}

// Connections that open and say nothing are bounded: beyond the limit the
// oldest are closed, and a real dialer, the newest, still links.
TEST_F(LinkTest, SilentConnectionsAreBoundedAndARealDialerStillLinks) {
  start_clients();
  auto& listener = a->link(io, log.logger, link_options("to-b", "inst-a", LinkConnection::Role::kListener));
  const std::size_t silent_count = LinkBridge::kMaxUnfinishedConnections + 4;
  std::vector<std::unique_ptr<RawPeer>> silent;
  for (std::size_t i = 0; i < silent_count; ++i) {
    silent.push_back(std::make_unique<RawPeer>(io));
    silent.back()->connect(listener.listen_port());
  }
  ASSERT_TRUE(run_until(io, [&] {
    std::size_t closed = 0;
    for (const auto& s : silent) closed += s->eof;
    return closed >= silent_count - LinkBridge::kMaxUnfinishedConnections;
  }));
  EXPECT_EQ(listener.status().counters.rejected, silent_count - LinkBridge::kMaxUnfinishedConnections);
  EXPECT_EQ(log.text.str().find("further ones are only counted"), log.text.str().rfind("further ones are only counted"))
      << "the eviction was logged more than once";

  auto lb = link_options("to-a", "inst-b", LinkConnection::Role::kDialer);
  lb.dial = {"127.0.0.1:" + std::to_string(listener.listen_port())};
  b->link(io, log.logger, std::move(lb));
  ASSERT_TRUE(run_until(io, [&] { return connected(); })) << log.text.str();
}

TEST_F(LinkTest, WrongTokenIsRejectedOnBothSides) {
  start_clients();
  link_up(BridgeMode::kAll, "another-secret-of-16+");
  ASSERT_TRUE(run_until(io, [&] { return a->bridge->status().counters.rejected >= 1 && b->bridge->status().counters.rejected >= 1; }));
  EXPECT_FALSE(connected());
  ASSERT_TRUE(a->client->send("X").ok());
  run_for(io, 50ms);
  EXPECT_EQ(received_count(b->client), 0u);
  EXPECT_NE(log.text.str().find("wrong token"), std::string::npos);
}

TEST_F(LinkTest, InterestModeFollowsBindAndUnbindOnTheFarSide) {
  start_clients();
  link_up(BridgeMode::kInterest);
  ASSERT_TRUE(run_until(io, [&] { return connected(); }));
  ASSERT_TRUE(run_until(io, [&] { return peer_subscriptions(*a->client.agent) >= 2; }));
  ASSERT_TRUE(a->client->send("X 1").ok());
  run_for(io, 50ms);
  EXPECT_EQ(a->bridge->status().counters.not_wanted, 1u);  // nobody on b wants it: it never crossed

  const int id = *b->client->subscribe("^X (\\d+)");
  ASSERT_TRUE(run_until(io, [&] { return a->bridge->status().interest_patterns == 1; }));
  ASSERT_TRUE(a->client->send("X 2").ok());
  ASSERT_TRUE(a->client->send("Y 2").ok());
  ASSERT_TRUE(run_until(io, [&] { return received_count(b->client) == 1; }));
  EXPECT_EQ(received(b->client), std::vector<std::string>{"2"});

  b->client->unsubscribe(id);
  ASSERT_TRUE(run_until(io, [&] { return a->bridge->status().interest_patterns == 0; }));
  ASSERT_TRUE(a->client->send("X 3").ok());
  run_for(io, 50ms);
  EXPECT_EQ(received_count(b->client), 1u);
  EXPECT_EQ(a->bridge->status().counters.carried_out, 1u);
}

TEST_F(LinkTest, ReconnectsAfterTheFarSideRestartsAndSendsTheOutageBuffer) {
  (void)b->client->subscribe("^M (.*)");
  start_clients();
  link_up();
  ASSERT_TRUE(run_until(io, [&] { return connected(); }));
  const auto listen_port = a->bridge->listen_port();
  ASSERT_TRUE(run_until(io, [&] { return peer_subscriptions(*a->client.agent) >= 2; }));

  b->bridge.reset();  // the dialling ivyd dies
  ASSERT_TRUE(run_until(io, [&] { return a->bridge->status().state == "listening"; }));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(a->client->send("M " + std::to_string(i)).ok());
  run_for(io, 30ms);
  EXPECT_EQ(a->bridge->status().counters.buffered, 3u);

  auto lb = link_options("to-a", "inst-b2", LinkConnection::Role::kDialer);
  lb.dial = {"127.0.0.1:" + std::to_string(listen_port)};
  b->link(io, log.logger, std::move(lb));
  ASSERT_TRUE(run_until(io, [&] { return received_count(b->client) == 3; }));
  EXPECT_EQ(received(b->client), (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(a->bridge->status().counters.buffered, 0u);
}

TEST_F(LinkTest, DialerRetriesUntilTheListenerComesBack) {
  (void)a->client->subscribe("^M (.*)");
  start_clients();
  // A port that nobody listens on yet: take one, release it.
  std::uint16_t port = 0;
  {
    tcp::acceptor probe(io, tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0));
    port = probe.local_endpoint().port();
  }
  auto lb = link_options("to-a", "inst-b", LinkConnection::Role::kDialer);
  lb.dial = {"127.0.0.1:" + std::to_string(port)};
  b->link(io, log.logger, std::move(lb));
  run_for(io, 150ms);
  EXPECT_EQ(b->bridge->status().state, "connecting");

  auto la = link_options("to-b", "inst-a", LinkConnection::Role::kListener);
  la.listen = "127.0.0.1:" + std::to_string(port);
  a->link(io, log.logger, std::move(la));
  ASSERT_TRUE(run_until(io, [&] { return connected(); }));
  ASSERT_TRUE(run_until(io, [&] { return peer_subscriptions(*b->client.agent) >= 2; }));
  ASSERT_TRUE(b->client->send("M back").ok());
  ASSERT_TRUE(run_until(io, [&] { return received_count(a->client) == 1; }));
}

TEST_F(LinkTest, OutageBufferDropsTheOldestAndCounts) {
  start_clients();
  auto la = link_options("to-b", "inst-a", LinkConnection::Role::kDialer);
  la.dial = {"127.0.0.1:1"};  // never answers
  la.outage_buffer_bytes = 100;
  a->link(io, log.logger, std::move(la));
    ASSERT_TRUE(run_until(io, [&] { return peer_subscriptions(*a->client.agent) >= 2; }));
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(a->client->send("MESSAGE number " + std::to_string(i)).ok());
  ASSERT_TRUE(run_until(io, [&] { return a->bridge->status().counters.carried_out == 20; }));
  const auto s = a->bridge->status();
  EXPECT_GT(s.counters.outage_dropped, 0u);
  EXPECT_EQ(s.counters.buffered + s.counters.outage_dropped, 20u);
  EXPECT_LE(s.counters.buffered, 3u);  // ~40-byte frames in 100 bytes
}

TEST_F(LinkTest, SilentFarSideIsClosedByKeepaliveAndRedialled) {
  start_clients();
  // A fake far ivyd: answers the hello correctly, then never says a word.
  RawPeer far(io);
  const auto port = far.listen();
  auto lb = link_options("to-a", "inst-b", LinkConnection::Role::kDialer);
  lb.dial = {"127.0.0.1:" + std::to_string(port)};
  b->link(io, log.logger, std::move(lb));
  ASSERT_TRUE(run_until(io, [&] { return far.has("IVYDLINK 1 to-a inst-b 0"); }));
  far.write(link::encode(link::Hello{1, "fake", "inst-fake", false, "", kToken}));
  ASSERT_TRUE(run_until(io, [&] { return b->bridge->status().state == "connected"; }));
  const auto connected_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until(io, [&] { return b->bridge->status().state != "connected"; }, 2000ms));
  const auto detected = std::chrono::steady_clock::now() - connected_at;
  EXPECT_GE(detected, 250ms);  // three 100 ms intervals of silence
  EXPECT_LE(detected, 600ms);
  EXPECT_NE(log.text.str().find("keepalive"), std::string::npos);
  EXPECT_GE(far.count_frames("PING "), 2u);
}

}  // namespace
}  // namespace ivy::daemon::test
