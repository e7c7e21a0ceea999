// Loopback tests of the Asio Agent: 2-5 real agents on 127.255.255.255:<port>
// in one io_context, every test bounded by run_until().
#include "daemon/agent/agent.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <set>

#include "tests/daemon/test_support.hpp"

namespace ivy::daemon::test {
namespace {

using Kind = AgentEvent::Kind;

class AgentTest : public ::testing::Test {
 protected:
  TestAgent& add(std::string name, const std::function<void(AgentOptions&)>& tune = {}) {
    return agents_.emplace_back(io_, log_.logger, std::move(name), port_, tune);
  }
  TestAgent& start(std::string name, const std::function<void(AgentOptions&)>& tune = {}) {
    auto& a = add(std::move(name), tune);
    EXPECT_TRUE(a->start().ok());
    return a;
  }
  std::vector<TestAgent*> all() {
    std::vector<TestAgent*> out;
    for (auto& a : agents_) out.push_back(&a);
    return out;
  }
  bool mesh() { return run_until(io_, [&] { return full_mesh(all()); }); }
  // Waits until `receiver`'s subscriptions are known to `sender`.
  bool knows(TestAgent& sender, std::size_t subscriptions) {
    return run_until(io_, [&] { return peer_subscriptions(*sender) == subscriptions; });
  }

  asio::io_context io_;
  TestLog log_;
  std::uint16_t port_ = unique_bus_port();
  std::deque<TestAgent> agents_;  // deque: listeners must not move
};

PeerKey key_of(TestAgent& a, std::string_view name) {
  const auto keys = a->find_peers(name);
  return keys.size() == 1 ? keys.front() : 0;
}

TEST_F(AgentTest, FullMeshFormsWithOneLinkPerPair) {
  for (const char* name : {"A", "B", "C", "D"}) start(name);
  ASSERT_TRUE(mesh());
  run_for(io_, 100ms);  // anything late (a duplicate) would show now
  for (auto* a : all()) {
    std::set<std::string> names;
    for (const auto& p : (*a)->peers()) names.insert(p.identity.name);
    EXPECT_EQ(names.size(), 3u) << (*a)->name();
    EXPECT_EQ(names.count((*a)->name()), 0u) << "linked to itself";
    EXPECT_EQ(a->events.count(Kind::kConnected), 3u) << (*a)->name();
    EXPECT_EQ(a->events.count(Kind::kDisconnected), 0u) << (*a)->name();
    EXPECT_EQ((*a)->counters().connect_failures, 0u);
  }
}

TEST_F(AgentTest, LateJoinerConnectsToEveryAgent) {
  start("A");
  start("B");
  start("C");
  ASSERT_TRUE(mesh());
  auto& late = start("Late");
  ASSERT_TRUE(mesh());
  EXPECT_EQ(late.events.count(Kind::kConnected), 3u);
  for (auto* a : all()) EXPECT_EQ(a->events.count(Kind::kDisconnected), 0u);
}

// Two agents that hear each other's announcement both connect: replaying
// A's datagram after B started makes B connect to A while A connects to B.
TEST_F(AgentTest, SimultaneousStartKeepsOneLinkAndDeliversOnce) {
  for (int round = 0; round < 5; ++round) {
    asio::io_context io;
    const auto port = unique_bus_port();
    BusListener bus(io, port);
    TestAgent a(io, log_.logger, "A", port), b(io, log_.logger, "B", port);
    ASSERT_TRUE(a->start().ok());
    ASSERT_TRUE(run_until(io, [&] { return !bus.datagrams.empty(); }));
    ASSERT_TRUE(b->start().ok());
    RawPeer replay(io);
    replay.send_datagram(port, bus.datagrams.front());  // B hears A; A hears B
    ASSERT_TRUE(b->subscribe("^to B (.*)").ok());
    ASSERT_TRUE(run_until(io, [&] { return full_mesh({&a, &b}) && peer_subscriptions(*a) == 1; }));
    run_for(io, 100ms);
    ASSERT_EQ(a->peer_count(), 1u) << "round " << round;
    ASSERT_EQ(b->peer_count(), 1u) << "round " << round;
    EXPECT_EQ(*a->send("to B x"), 1u);
    ASSERT_TRUE(run_until(io, [&] { return b.events.count(Kind::kMessage) >= 1; }));
    run_for(io, 50ms);
    EXPECT_EQ(b.events.count(Kind::kMessage), 1u);
    // Whatever the listeners saw, they end with exactly one live peer.
    for (auto* t : {&a, &b}) {
      EXPECT_EQ(t->events.count(Kind::kConnected) - t->events.count(Kind::kDisconnected), 1u);
    }
    EXPECT_EQ(log_.text.str().find("ERROR"), std::string::npos);
  }
}

TEST_F(AgentTest, ReplayedAnnouncementOpensNoSecondLink) {
  BusListener bus(io_, port_);
  auto& a = start("A");
  auto& b = start("B");
  ASSERT_TRUE(mesh());
  RawPeer replay(io_);
  for (const auto& d : bus.datagrams) replay.send_datagram(port_, d);  // both announcements again
  run_for(io_, 200ms);
  EXPECT_EQ(a->peer_count(), 1u);
  EXPECT_EQ(b->peer_count(), 1u);
  EXPECT_EQ(a.events.count(Kind::kConnected), 1u);
  EXPECT_EQ(b.events.count(Kind::kConnected), 1u);
}

TEST_F(AgentTest, MessagesCarryZeroOneTwoAndEmptyGroups) {
  auto& tx = start("TX");
  auto& rx = start("RX");
  const int none = *rx->subscribe("^none$");
  const int one = *rx->subscribe("^one (\\w+)");
  const int two = *rx->subscribe("^two (\\w+) (\\w+)");
  const int empty = *rx->subscribe("^empty <(.*)>");
  ASSERT_TRUE(mesh());
  ASSERT_TRUE(knows(tx, 4));
  for (const char* text : {"none", "one a", "two a b", "empty <>"}) EXPECT_EQ(*tx->send(text), 1u) << text;
  ASSERT_TRUE(run_until(io_, [&] { return rx.events.count(Kind::kMessage) == 4; }));
  const auto got = rx.events.of(Kind::kMessage);
  EXPECT_EQ(got[0].id, none);
  EXPECT_EQ(got[0].args, std::vector<std::string>{});
  EXPECT_EQ(got[1].id, one);
  EXPECT_EQ(got[1].args, std::vector<std::string>{"a"});
  EXPECT_EQ(got[2].id, two);
  EXPECT_EQ(got[2].args, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(got[3].id, empty);
  EXPECT_EQ(got[3].args, std::vector<std::string>{""});
  EXPECT_EQ(got[3].peer_name, "TX");
}

TEST_F(AgentTest, NeverDeliversToItself) {
  auto& a = start("A");
  auto& b = start("B");
  ASSERT_TRUE(a->subscribe("(.*)").ok());
  ASSERT_TRUE(b->subscribe("(.*)").ok());
  ASSERT_TRUE(mesh());
  ASSERT_TRUE(knows(a, 1));
  EXPECT_EQ(*a->send("hello"), 1u);  // B only
  ASSERT_TRUE(run_until(io_, [&] { return b.events.count(Kind::kMessage) == 1; }));
  run_for(io_, 50ms);
  EXPECT_EQ(a.events.count(Kind::kMessage), 0u);
}

TEST_F(AgentTest, MatchesUnanchoredAndSendsOneFramePerMatchingRegexp) {
  auto& tx = start("TX");
  auto& rx = start("RX");
  const int mid = *rx->subscribe("mid(dle)");
  const int tail = *rx->subscribe("dle$");
  ASSERT_TRUE(mesh());
  ASSERT_TRUE(knows(tx, 2));
  EXPECT_EQ(*tx->send("in the middle"), 2u);
  EXPECT_EQ(*tx->send("nothing here"), 0u);
  ASSERT_TRUE(run_until(io_, [&] { return rx.events.count(Kind::kMessage) == 2; }));
  const auto got = rx.events.of(Kind::kMessage);
  EXPECT_EQ(got[0].id, mid);
  EXPECT_EQ(got[0].args, std::vector<std::string>{"dle"});
  EXPECT_EQ(got[1].id, tail);
  EXPECT_EQ(tx->counters().frames_sent, 2u);
  EXPECT_EQ(tx->counters().messages_sent, 1u);
}

TEST_F(AgentTest, ReadyMessageGoesOnlyToTheNewPeerThroughItsMatchingRegexps) {
  auto& a = start("A", [](AgentOptions& o) { o.ready_message = "A ready"; });
  auto subscribe = [](TestAgent& t) {
    EXPECT_TRUE(t->subscribe("^A (.*)").ok());
    EXPECT_TRUE(t->subscribe("^Z").ok());
  };
  auto& b = add("B");
  subscribe(b);
  ASSERT_TRUE(b->start().ok());
  ASSERT_TRUE(mesh());
  ASSERT_TRUE(run_until(io_, [&] { return b.events.count(Kind::kMessage) == 1; }));
  auto& c = add("C");
  subscribe(c);
  ASSERT_TRUE(c->start().ok());
  ASSERT_TRUE(mesh());
  ASSERT_TRUE(run_until(io_, [&] { return c.events.count(Kind::kMessage) == 1; }));
  run_for(io_, 100ms);
  EXPECT_EQ(b.events.count(Kind::kMessage), 1u) << "the ready message went to an old peer again";
  const auto got = c.events.of(Kind::kMessage);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id, 0);
  EXPECT_EQ(got[0].args, std::vector<std::string>{"ready"});
  EXPECT_EQ(got[0].peer_name, "A");
  EXPECT_EQ(a.events.count(Kind::kMessage), 0u);
}

TEST_F(AgentTest, DirectMessagesGoBothWays) {
  auto& a = start("A");
  auto& b = start("B");
  ASSERT_TRUE(mesh());
  ASSERT_TRUE(a->send_direct(key_of(a, "B"), 42, "to b").ok());
  ASSERT_TRUE(b->send_direct(key_of(b, "A"), -7, "to a \x02 stx").ok());
  ASSERT_TRUE(run_until(io_, [&] { return a.events.count(Kind::kDirect) && b.events.count(Kind::kDirect); }));
  EXPECT_EQ(b.events.of(Kind::kDirect)[0].id, 42);
  EXPECT_EQ(b.events.of(Kind::kDirect)[0].text, "to b");
  EXPECT_EQ(a.events.of(Kind::kDirect)[0].id, -7);
  EXPECT_EQ(a.events.of(Kind::kDirect)[0].text, "to a \x02 stx");
  EXPECT_FALSE(a->send_direct(key_of(a, "B"), 1, "bad\n").ok());
  EXPECT_FALSE(a->send_direct(9999, 1, "nobody").ok());
}

TEST_F(AgentTest, DieWithIgnorePolicyKeepsTheAgentRunning) {
  auto& a = start("A");
  auto& b = start("B", [](AgentOptions& o) { o.die_policy = DiePolicy::kIgnore; });
  ASSERT_TRUE(b->subscribe("^x").ok());
  ASSERT_TRUE(mesh());
  ASSERT_TRUE(knows(a, 1));
  ASSERT_TRUE(a->send_die(key_of(a, "B")).ok());
  ASSERT_TRUE(run_until(io_, [&] { return b.events.count(Kind::kDie) == 1; }));
  EXPECT_EQ(*a->send("x"), 1u);
  ASSERT_TRUE(run_until(io_, [&] { return b.events.count(Kind::kMessage) == 1; }));
  EXPECT_EQ(b->peer_count(), 1u);
  EXPECT_EQ(a.events.count(Kind::kDisconnected), 0u);
}

TEST_F(AgentTest, DieWithExitPolicyStopsTheAgentAndOthersSeeBye) {
  auto& a = start("A");
  auto& b = start("B", [](AgentOptions& o) { o.die_policy = DiePolicy::kExit; });
  auto& c = start("C");
  ASSERT_TRUE(mesh());
  ASSERT_TRUE(a->send_die(key_of(a, "B")).ok());
  ASSERT_TRUE(run_until(io_, [&] {
    return a.events.count(Kind::kDisconnected) == 1 && c.events.count(Kind::kDisconnected) == 1 &&
           b->peer_count() == 0;
  }));
  EXPECT_EQ(b.events.count(Kind::kDie), 1u);
  EXPECT_EQ(a.events.of(Kind::kDisconnected)[0].reason, CloseReason::kBye);
  EXPECT_EQ(c.events.of(Kind::kDisconnected)[0].reason, CloseReason::kBye);
  EXPECT_EQ(a->peer_count(), 1u);  // A and C are still linked
}

TEST_F(AgentTest, PingReportsTheRoundTripTime) {
  auto& a = start("A");
  start("B");
  ASSERT_TRUE(mesh());
  std::optional<std::chrono::microseconds> rtt;
  bool called = false;
  ASSERT_TRUE(a->ping(key_of(a, "B"), [&](auto r) {
                 called = true;
                 rtt = r;
               }).ok());
  ASSERT_TRUE(run_until(io_, [&] { return called; }));
  ASSERT_TRUE(rtt.has_value());
  EXPECT_GE(rtt->count(), 0);
  EXPECT_LT(rtt->count(), 1'000'000);
}

TEST_F(AgentTest, StopSendsByeAndEveryPeerSeesOneDisconnect) {
  auto& a = start("A");
  auto& b = start("B");
  auto& c = start("C");
  ASSERT_TRUE(mesh());
  bool stopped = false;
  a->stop([&] { stopped = true; });
  ASSERT_TRUE(run_until(io_, [&] {
    return stopped && b.events.count(Kind::kDisconnected) && c.events.count(Kind::kDisconnected);
  }));
  run_for(io_, 50ms);
  for (auto* t : {&b, &c}) {
    ASSERT_EQ(t->events.count(Kind::kDisconnected), 1u);
    EXPECT_EQ(t->events.of(Kind::kDisconnected)[0].reason, CloseReason::kBye);
    EXPECT_EQ(t->events.of(Kind::kDisconnected)[0].peer_name, "A");
  }
  EXPECT_EQ(a->peer_count(), 0u);
  EXPECT_EQ(b->peer_count(), 1u);
}

TEST_F(AgentTest, StopWithoutPeersCompletesAtOnce) {
  auto& a = start("A");
  bool stopped = false;
  a->stop([&] { stopped = true; });
  EXPECT_TRUE(run_until(io_, [&] { return stopped; }, 500ms));
}

TEST_F(AgentTest, ChangedSubscriptionGetsNoMoreMessagesForTheOldPattern) {
  auto& tx = start("TX");
  auto& rx = start("RX");
  const int old_id = *rx->subscribe("^old (\\d+)");
  ASSERT_TRUE(mesh());
  ASSERT_TRUE(knows(tx, 1));
  int new_id = -1;
  std::size_t old_after_change = 0;
  rx.events.on_event = [&](const AgentEvent& e) {
    if (e.kind == Kind::kMessage && e.id == old_id && new_id >= 0) ++old_after_change;
  };
  // Mid-stream: the change happens while frames for the old id are in flight.
  for (int i = 0; i < 200; ++i) {
    (void)tx->send("old " + std::to_string(i));
    (void)tx->send("new " + std::to_string(i));
    if (i == 100) {
      auto changed = rx->change(old_id, "^new (\\d+)");
      ASSERT_TRUE(changed.ok());
      new_id = *changed;
    }
    io_.poll();
  }
  ASSERT_NE(new_id, old_id);
  EXPECT_EQ(rx->subscriptions().count(old_id), 0u);
  ASSERT_TRUE(run_until(io_, [&] { return *tx->send("old settled") == 0 && *tx->send("new 999") == 1; }));
  ASSERT_TRUE(run_until(io_, [&] {
    const auto got = rx.events.of(Kind::kMessage);
    return !got.empty() && got.back().args == std::vector<std::string>{"999"};
  }));
  EXPECT_EQ(old_after_change, 0u);
  EXPECT_EQ(rx.events.of(Kind::kMessage).back().id, new_id);
  EXPECT_EQ(peer_subscriptions(*tx), 1u);
}

TEST_F(AgentTest, UnsubscribeStopsDelivery) {
  auto& tx = start("TX");
  auto& rx = start("RX");
  const int id = *rx->subscribe("^x");
  ASSERT_TRUE(mesh());
  ASSERT_TRUE(knows(tx, 1));
  rx->unsubscribe(id);
  ASSERT_TRUE(knows(tx, 0));
  EXPECT_EQ(*tx->send("x"), 0u);
}

TEST_F(AgentTest, InvalidPatternIsRefusedAndNothingIsSent) {
  auto& a = start("A");
  auto& b = start("B");
  ASSERT_TRUE(mesh());
  run_for(io_, 50ms);
  const auto frames_before = b->peer(key_of(b, "A"))->frames_received;
  auto bad = a->subscribe("(unclosed");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("(unclosed"), std::string::npos);
  EXPECT_FALSE(a->subscribe("with\nlf").ok());
  EXPECT_TRUE(a->subscriptions().empty());
  run_for(io_, 100ms);
  EXPECT_EQ(b->peer(key_of(b, "A"))->frames_received, frames_before);
  EXPECT_EQ(b.events.count(Kind::kSubAdded), 0u);
  EXPECT_EQ(peer_subscriptions(*b), 0u);
}

TEST_F(AgentTest, SendRefusesLfEtxAndNul) {
  auto& a = start("A");
  auto& b = start("B");
  ASSERT_TRUE(b->subscribe("(.*)").ok());
  ASSERT_TRUE(mesh());
  ASSERT_TRUE(knows(a, 1));
  EXPECT_FALSE(a->send("line\nbreak").ok());
  EXPECT_FALSE(a->send("etx\x03").ok());
  EXPECT_FALSE(a->send(std::string("nul\0x", 5)).ok());
  EXPECT_EQ(a->counters().frames_sent, 0u);
  run_for(io_, 50ms);
  EXPECT_EQ(b.events.count(Kind::kMessage), 0u);
}

TEST_F(AgentTest, HundredKilobyteMessagesGoBothWays) {
  auto& a = start("A");
  auto& b = start("B");
  ASSERT_TRUE(a->subscribe("^big (.*)").ok());
  ASSERT_TRUE(b->subscribe("^big (.*)").ok());
  ASSERT_TRUE(mesh());
  ASSERT_TRUE(knows(a, 1) && knows(b, 1));
  const std::string body(100 * 1024, 'x');
  EXPECT_EQ(*a->send("big " + body), 1u);
  EXPECT_EQ(*b->send("big " + body), 1u);
  ASSERT_TRUE(run_until(io_, [&] { return a.events.count(Kind::kMessage) && b.events.count(Kind::kMessage); }));
  EXPECT_EQ(a.events.of(Kind::kMessage)[0].args, std::vector<std::string>{body});
  EXPECT_EQ(b.events.of(Kind::kMessage)[0].args, std::vector<std::string>{body});
}

TEST_F(AgentTest, FivePublishersEachReachEveryOtherAgentOnce) {
  for (const char* name : {"A", "B", "C", "D", "E"}) {
    auto& t = add(name);
    ASSERT_TRUE(t->subscribe("^from (\\w+)").ok());
    ASSERT_TRUE(t->start().ok());
  }
  ASSERT_TRUE(mesh());
  for (auto* t : all()) ASSERT_TRUE(knows(*t, 4));
  for (auto* t : all()) EXPECT_EQ(*(*t)->send("from " + (*t)->name()), 4u);
  ASSERT_TRUE(run_until(io_, [&] {
    for (auto* t : all()) {
      if (t->events.count(Kind::kMessage) != 4) return false;
    }
    return true;
  }));
  run_for(io_, 50ms);
  for (auto* t : all()) {
    std::set<std::string> from;
    for (const auto& e : t->events.of(Kind::kMessage)) from.insert(e.args.at(0));
    EXPECT_EQ(from.size(), 4u);
    EXPECT_EQ(from.count((*t)->name()), 0u);
  }
}

}  // namespace
}  // namespace ivy::daemon::test
