// The Agent against a raw fake peer: exact bytes on the wire (§2, §3, §5,
// §7, §12 of ivy-protocol.md) and robustness against what real peers send.
#include "daemon/agent/agent.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <random>

#include "tests/daemon/test_support.hpp"

namespace ivy::daemon::test {
namespace {

using Kind = AgentEvent::Kind;

// START, one ADD per regexp (ids from 0), END: a fake peer's handshake.
std::string handshake(std::uint16_t port, std::string_view name, const std::vector<std::string>& regexps = {}) {
  std::string out = frame(6, port, name);
  for (std::size_t i = 0; i < regexps.size(); ++i) out += frame(1, static_cast<int>(i), regexps[i]);
  return out + frame(5, 0);
}

class AgentWireTest : public ::testing::Test {
 protected:
  TestAgent& make(std::string name, const std::function<void(AgentOptions&)>& tune = {}) {
    return agents_.emplace_back(io_, log_.logger, std::move(name), port_, tune);
  }
  TestAgent& start(std::string name, const std::function<void(AgentOptions&)>& tune = {}) {
    auto& a = make(std::move(name), tune);
    EXPECT_TRUE(a->start().ok());
    return a;
  }
  bool until(const std::function<bool()>& done, std::chrono::milliseconds timeout = 3000ms) {
    return run_until(io_, done, timeout);
  }
  // A fake peer that connected to `agent` and finished its handshake.
  void connect_ready(RawPeer& peer, TestAgent& agent, const std::vector<std::string>& regexps = {},
                     std::string_view name = "RAWPEER") {
    peer.connect(agent->tcp_port());
    peer.write(handshake(peer.listen_port(), name, regexps));
    ASSERT_TRUE(until([&] { return agent.events.count(Kind::kConnected, name) == 1; }));
    ASSERT_TRUE(until([&] { return peer.has(frame(5, 0)); }));
  }

  asio::io_context io_;
  TestLog log_;
  std::uint16_t port_ = unique_bus_port();
  std::deque<TestAgent> agents_;
};

// --- discovery -------------------------------------------------------------------

TEST_F(AgentWireTest, AnnouncesItselfWithAnExactDatagram) {
  BusListener bus(io_, port_);
  auto& a = start("my agent");
  ASSERT_TRUE(until([&] { return !bus.datagrams.empty(); }));
  run_for(io_, 50ms);
  ASSERT_EQ(bus.datagrams.size(), 1u) << "announced more than once";
  EXPECT_EQ(bus.datagrams[0], "3 " + std::to_string(a->tcp_port()) + " " + a->app_id() + " my agent\n");
  EXPECT_EQ(a->app_id().find(' '), std::string::npos);
  EXPECT_LT(a->app_id().size(), 128u);
  EXPECT_EQ(a->peer_count(), 0u) << "connected to its own announcement";
}

TEST_F(AgentWireTest, SendsItsHandshakeAtOnceOnAnAcceptedLink) {
  auto& a = make("Agent A");
  ASSERT_TRUE(a->subscribe("^a").ok());
  ASSERT_TRUE(a->subscribe("b (.*)").ok());
  ASSERT_TRUE(a->start().ok());
  RawPeer peer(io_);
  peer.connect(a->tcp_port());  // and never says anything
  const std::string expected = frame(6, a->tcp_port(), "Agent A") + frame(1, 0, "^a") + frame(1, 1, "b (.*)") + frame(5, 0);
  ASSERT_TRUE(until([&] { return peer.received.size() >= expected.size(); }));
  run_for(io_, 50ms);
  EXPECT_EQ(peer.received, expected);
}

TEST_F(AgentWireTest, SendsItsHandshakeAtOnceOnAnInitiatedLink) {
  auto& a = make("A");
  ASSERT_TRUE(a->subscribe("^x(.*)").ok());
  ASSERT_TRUE(a->start().ok());
  RawPeer peer(io_);
  peer.listen();
  peer.announce(port_);
  const std::string expected = frame(6, a->tcp_port(), "A") + frame(1, 0, "^x(.*)") + frame(5, 0);
  ASSERT_TRUE(until([&] { return peer.received.size() >= expected.size(); }));
  run_for(io_, 50ms);
  EXPECT_EQ(peer.received, expected);
  EXPECT_EQ(peer.accepted, 1u);
}

TEST_F(AgentWireTest, ConnectsBackToALegacyAnnouncement) {
  auto& a = start("A");
  RawPeer peer(io_);
  peer.listen();
  peer.send_datagram(port_, "3 " + std::to_string(peer.listen_port()) + "\n");
  ASSERT_TRUE(until([&] { return peer.has(frame(5, 0)); }));
  peer.write(handshake(peer.listen_port(), "LEGACY"));
  ASSERT_TRUE(until([&] { return a.events.count(Kind::kConnected, "LEGACY") == 1; }));
}

TEST_F(AgentWireTest, ConnectsBackToAnAnnouncementWithoutTrailingLf) {
  start("A");
  RawPeer peer(io_);
  peer.listen();
  peer.send_datagram(port_, "3 " + std::to_string(peer.listen_port()) + " noLF:1 NOLF");
  ASSERT_TRUE(until([&] { return peer.has(frame(5, 0)); }));
  EXPECT_EQ(peer.accepted, 1u);
}

TEST_F(AgentWireTest, IgnoresAnAnnouncementWithAnotherVersion) {
  auto& a = start("A");
  RawPeer peer(io_);
  peer.listen();
  peer.send_datagram(port_, "4 " + std::to_string(peer.listen_port()) + " v4:1 V4\n");
  run_for(io_, 200ms);
  EXPECT_EQ(peer.accepted, 0u);
  EXPECT_GE(a->discovery().bad_datagrams(), 1u);
  peer.announce(port_);  // discovery still works
  ASSERT_TRUE(until([&] { return peer.accepted == 1; }));
}

TEST_F(AgentWireTest, SurvivesGarbageDatagramsAndStillConnects) {
  auto& a = start("A");
  RawPeer peer(io_);
  peer.listen();
  std::mt19937 random(1234);
  for (int batch = 0; batch < 6; ++batch) {
    for (int i = 0; i < 50; ++i) {
      std::string garbage(1 + random() % 600, '\0');
      for (auto& c : garbage) c = static_cast<char>(random());
      if (i % 10 == 0) garbage = "3 " + std::to_string(random() % 70000) + " x";  // nearly valid
      if (i % 10 == 1) garbage = "3\n\n\n 3 3 3";
      peer.send_datagram(port_, garbage);
    }
    run_for(io_, 20ms);
  }
  EXPECT_GE(a->discovery().datagrams_received(), 100u);
  EXPECT_GE(a->discovery().bad_datagrams(), 100u);
  peer.announce(port_);
  ASSERT_TRUE(until([&] { return peer.accepted == 1; }));
}

TEST_F(AgentWireTest, RefusedConnectBackDoesNotStopDiscovery) {
  auto& a = start("A");
  std::uint16_t dead_port = 0;
  {
    RawPeer closed(io_);
    dead_port = closed.listen();  // bound, then closed: nobody listens there
  }
  RawPeer sender(io_);
  sender.send_datagram(port_, "3 " + std::to_string(dead_port) + " dead:1 DEAD\n");
  ASSERT_TRUE(until([&] { return a->counters().connect_failures == 1; }));
  RawPeer peer(io_);
  peer.listen();
  peer.announce(port_);
  ASSERT_TRUE(until([&] { return peer.accepted == 1; }));
  // The failed endpoint is forgotten: a new announcement there is tried again.
  sender.send_datagram(port_, "3 " + std::to_string(dead_port) + " dead:1 DEAD\n");
  ASSERT_TRUE(until([&] { return a->counters().connect_failures == 2; }));
}

// An agent whose library keeps its app id restarts on a new port while its
// old link still looks open (its host froze): the new port is dialled and
// the old link kept (it closes by itself when dead). A repeat of the same
// announcement changes nothing.
TEST_F(AgentWireTest, DialsTheNewPortOfAnAgentThatAnnouncesItsAppIdAgainAndKeepsTheOldLink) {
  auto& a = start("A");
  RawPeer old_life(io_), new_life(io_);
  const auto old_port = old_life.listen();
  const std::string announcement = " KEEPS-ITS-ID RESTARTER\n";
  old_life.send_datagram(port_, "3 " + std::to_string(old_port) + announcement);
  ASSERT_TRUE(until([&] { return old_life.accepted == 1 && old_life.has(frame(5, 0)); }));
  old_life.write(handshake(old_port, "RESTARTER"));
  ASSERT_TRUE(until([&] { return a.events.count(Kind::kConnected, "RESTARTER") == 1; }));
  old_life.send_datagram(port_, "3 " + std::to_string(old_port) + announcement);  // a repeat
  run_for(io_, 100ms);
  EXPECT_EQ(a->peer_count(), 1u);
  EXPECT_EQ(a->counters().reannounced_app_ids, 0u);

  const auto new_port = new_life.listen();
  new_life.send_datagram(port_, "3 " + std::to_string(new_port) + announcement);
  ASSERT_TRUE(until([&] { return new_life.accepted == 1 && new_life.has(frame(5, 0)); }));
  new_life.write(handshake(new_port, "RESTARTER"));
  ASSERT_TRUE(until([&] { return a.events.count(Kind::kConnected, "RESTARTER") == 2; }));
  EXPECT_EQ(a->counters().reannounced_app_ids, 1u);
  EXPECT_EQ(a->peer_count(), 2u);
  EXPECT_FALSE(old_life.eof) << "an unauthenticated datagram closed a link";
  EXPECT_NE(log_.text.str().find("announced itself again on port " + std::to_string(new_port)), std::string::npos)
      << log_.text.str();
  // The old process dies at last: only its link goes.
  old_life.close();
  ASSERT_TRUE(until([&] { return a.events.count(Kind::kDisconnected, "RESTARTER") == 1; }));
  ASSERT_EQ(a->peers().size(), 1u);
  EXPECT_EQ(a->peers()[0].identity.port, new_port);
  EXPECT_EQ(a->peers()[0].identity.app_id, "KEEPS-ITS-ID");
}

// Regression (review): the same app id announced from the same host and a
// dead port used to close the agent's healthy link: one forged datagram
// (app ids are broadcast, any local process can send it) lost the agent.
TEST_F(AgentWireTest, AForgedAnnouncementOfALinkedAppIdNeverCutsItsLink) {
  auto& a = start("A");
  RawPeer victim(io_);
  const auto victim_port = victim.listen();
  victim.send_datagram(port_, "3 " + std::to_string(victim_port) + " VICTIM-ID VICTIM\n");
  ASSERT_TRUE(until([&] { return victim.accepted == 1 && victim.has(frame(5, 0)); }));
  victim.write(handshake(victim_port, "VICTIM"));
  ASSERT_TRUE(until([&] { return a.events.count(Kind::kConnected, "VICTIM") == 1; }));
  std::uint16_t dead_port = 0;
  {
    RawPeer closed(io_);
    dead_port = closed.listen();  // bound, then closed: nobody listens there
  }
  RawPeer forger(io_);
  forger.send_datagram(port_, "3 " + std::to_string(dead_port) + " VICTIM-ID VICTIM\n");
  ASSERT_TRUE(until([&] { return a->counters().connect_failures == 1; }));
  run_for(io_, 100ms);
  EXPECT_FALSE(victim.eof);
  EXPECT_EQ(a.events.count(Kind::kDisconnected, "VICTIM"), 0u);
  ASSERT_EQ(a->peers().size(), 1u);
  EXPECT_EQ(a->peers()[0].identity.port, victim_port);
}

// --- framing -----------------------------------------------------------------------

TEST_F(AgentWireTest, KeepsTheLinkAfterMalformedFrames) {
  auto& a = make("A");
  const int id = *a->subscribe("^x");
  ASSERT_TRUE(a->start().ok());
  RawPeer peer(io_);
  connect_ready(peer, a);
  peer.write("no stx at all\n");
  peer.write("x y\x02not numbers\n");
  peer.write("\n");
  peer.write("42 1\x02unknown type\n");
  peer.write(frame(5, 0));  // a second END
  peer.write(frame(2, id));
  ASSERT_TRUE(until([&] { return a.events.count(Kind::kMessage) == 1; }));
  EXPECT_GE(a->counters().malformed_lines, 2u);
  EXPECT_NE(log_.text.str().find("malformed line"), std::string::npos);
  EXPECT_EQ(a->peer_count(), 1u);
  EXPECT_FALSE(peer.eof);
  EXPECT_EQ(a.events.count(Kind::kDisconnected), 0u);
}

TEST_F(AgentWireTest, ThinsOutTheLogUnderAFloodOfMalformedFrames) {
  auto& a = make("A");
  const int id = *a->subscribe("^x");
  ASSERT_TRUE(a->start().ok());
  RawPeer peer(io_);
  connect_ready(peer, a);
  std::string flood;
  for (int i = 0; i < 1000; ++i) flood += "garbage without stx " + std::to_string(i) + "\n";
  peer.write(flood + frame(2, id));
  ASSERT_TRUE(until([&] { return a.events.count(Kind::kMessage) == 1; }));
  EXPECT_EQ(a->counters().malformed_lines, 1000u);
  const std::string text = log_.text.str();
  std::size_t lines = 0;
  for (auto pos = text.find("malformed line"); pos != std::string::npos; pos = text.find("malformed line", pos + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 11u);  // the first 10, then the 1000th
  EXPECT_NE(text.find("(1000 so far)"), std::string::npos);
  EXPECT_EQ(a->peer_count(), 1u);
}

TEST_F(AgentWireTest, ReassemblesFramesSplitByteByByte) {
  auto& a = make("A");
  const int id = *a->subscribe("^x");
  ASSERT_TRUE(a->start().ok());
  RawPeer peer(io_);
  peer.connect(a->tcp_port());
  peer.write_bytewise(handshake(1, "BYTES", {"^y (.*)"}) + frame(2, id, "one\x03two\x03"));
  ASSERT_TRUE(until([&] { return a.events.count(Kind::kMessage) == 1; }));
  EXPECT_EQ(a.events.count(Kind::kConnected, "BYTES"), 1u);
  EXPECT_EQ(a.events.of(Kind::kMessage)[0].args, (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(*a->send("y z"), 1u);
  ASSERT_TRUE(until([&] { return peer.has(frame(2, 0, "z\x03")); }));
}

TEST_F(AgentWireTest, CarriesHundredKilobyteMessagesBothWays) {
  auto& a = make("A");
  const int id = *a->subscribe("^big");
  ASSERT_TRUE(a->start().ok());
  RawPeer peer(io_);
  connect_ready(peer, a, {"^big (.*)"});
  const std::string body(100 * 1000, 'b');
  EXPECT_EQ(*a->send("big " + body), 1u);
  ASSERT_TRUE(until([&] { return peer.has(frame(2, 0, body + "\x03")); }));
  peer.write(frame(2, id, body + "\x03"));
  ASSERT_TRUE(until([&] { return a.events.count(Kind::kMessage) == 1; }));
  EXPECT_EQ(a.events.of(Kind::kMessage)[0].args, std::vector<std::string>{body});
}

TEST_F(AgentWireTest, AcceptsEveryMsgPayloadVariant) {
  auto& a = make("A");
  const int id = *a->subscribe("^x");
  ASSERT_TRUE(a->start().ok());
  RawPeer peer(io_);
  connect_ready(peer, a);
  std::string many;
  for (int i = 0; i < 200; ++i) many += std::to_string(i) + "\x03";
  for (const std::string& payload : {std::string(), std::string("a\x03"), std::string("\x03"), std::string("a"), many}) {
    peer.write(frame(2, id, payload));
  }
  peer.write(frame(2, 77, "unknown id\x03"));
  ASSERT_TRUE(until([&] { return a.events.count(Kind::kMessage) == 5 && a->counters().unknown_msg_ids == 1; }));
  const auto got = a.events.of(Kind::kMessage);
  EXPECT_EQ(got[0].args, std::vector<std::string>{});
  EXPECT_EQ(got[1].args, std::vector<std::string>{"a"});
  EXPECT_EQ(got[2].args, std::vector<std::string>{""});
  EXPECT_EQ(got[3].args, std::vector<std::string>{"a"});
  ASSERT_EQ(got[4].args.size(), 200u);
  EXPECT_EQ(got[4].args[199], "199");
  EXPECT_EQ(a->peer_count(), 1u);
}

// --- control frames ----------------------------------------------------------------

TEST_F(AgentWireTest, AnswersPingWithPongOfTheSameId) {
  auto& a = start("A");
  RawPeer peer(io_);
  connect_ready(peer, a);
  peer.write(frame(9, 7));
  peer.write(frame(9, -3));
  ASSERT_TRUE(until([&] { return peer.has(frame(10, 7)) && peer.has(frame(10, -3)); }));
}

TEST_F(AgentWireTest, PingToAPeerThatNeverAnswersTimesOut) {
  auto& a = start("A", [](AgentOptions& o) { o.ping_timeout = 100ms; });
  RawPeer peer(io_);
  connect_ready(peer, a);
  bool called = false;
  std::optional<std::chrono::microseconds> rtt{1us};
  ASSERT_TRUE(a->ping(a->find_peers("RAWPEER").at(0), [&](auto r) {
                 called = true;
                 rtt = r;
               }).ok());
  ASSERT_TRUE(until([&] { return peer.has(frame(9, 1)); }));
  ASSERT_TRUE(until([&] { return called; }));
  EXPECT_FALSE(rtt.has_value());
  EXPECT_EQ(a->peer_count(), 1u);
}

TEST_F(AgentWireTest, AnswersAnUncompilablePeerRegexpWithErrorAndKeepsTheLink) {
  auto& a = start("A");
  RawPeer peer(io_);
  connect_ready(peer, a, {"^ok (.*)"});
  peer.write(frame(1, 5, "("));
  ASSERT_TRUE(until([&] { return a.events.count(Kind::kSubError) == 1; }));
  ASSERT_TRUE(until([&] { return peer.has("Error compiling"); }));
  const auto at = peer.received.find("3 1\x02" "Error compiling '(', ");
  ASSERT_NE(at, std::string::npos) << peer.received;
  EXPECT_NE(peer.received.find('\n', at), std::string::npos);
  EXPECT_EQ(*a->send("ok fine"), 1u);
  ASSERT_TRUE(until([&] { return peer.has(frame(2, 0, "fine\x03")); }));
  EXPECT_EQ(a.events.of(Kind::kSubError)[0].id, 5);
}

TEST_F(AgentWireTest, AddWithAnExistingIdReplacesThePattern) {
  auto& a = start("A");
  RawPeer peer(io_);
  connect_ready(peer, a, {"^old"});
  peer.write(frame(1, 0, "^new"));
  ASSERT_TRUE(until([&] { return a.events.count(Kind::kSubAdded) == 2; }));
  EXPECT_EQ(*a->send("old x"), 0u);
  EXPECT_EQ(*a->send("new x"), 1u);
  EXPECT_EQ(peer_subscriptions(*a), 1u);
  ASSERT_TRUE(until([&] { return peer.has(frame(2, 0)); }));
}

TEST_F(AgentWireTest, DelRemovesThePeerSubscription) {
  auto& a = start("A");
  RawPeer peer(io_);
  connect_ready(peer, a, {"^x"});
  peer.write(frame(4, 0));
  peer.write(frame(4, 99));  // unknown: ignored
  ASSERT_TRUE(until([&] { return peer_subscriptions(*a) == 0; }));
  EXPECT_EQ(*a->send("x"), 0u);
  EXPECT_EQ(a->peer_count(), 1u);
}

TEST_F(AgentWireTest, DirectAndErrorFramesReachTheListener) {
  auto& a = start("A");
  RawPeer peer(io_);
  connect_ready(peer, a);
  peer.write(frame(7, 12, "direct text"));
  peer.write(frame(3, 4, "an error"));
  ASSERT_TRUE(until([&] { return a.events.count(Kind::kDirect) && a.events.count(Kind::kError); }));
  EXPECT_EQ(a.events.of(Kind::kDirect)[0].text, "direct text");
  EXPECT_EQ(a.events.of(Kind::kError)[0].id, 4);
  ASSERT_TRUE(a->send_direct(a->find_peers("RAWPEER").at(0), 3, "back").ok());
  ASSERT_TRUE(a->send_die(a->find_peers("RAWPEER").at(0)).ok());
  ASSERT_TRUE(until([&] { return peer.has(frame(7, 3, "back")) && peer.has(frame(8, 0)); }));
}

// --- disconnects -------------------------------------------------------------------

TEST_F(AgentWireTest, ClosesAConnectionThatNeverCompletesItsHandshake) {
  auto& a = start("A", [](AgentOptions& o) { o.handshake_timeout = 200ms; });
  RawPeer silent(io_);
  silent.connect(a->tcp_port());
  RawPeer talker(io_);
  connect_ready(talker, a);  // a healthy peer is not affected
  ASSERT_TRUE(until([&] { return a->counters().handshake_timeouts == 1; }));
  ASSERT_TRUE(until([&] { return silent.eof; }));
  EXPECT_EQ(a->peer_count(), 1u);
  EXPECT_FALSE(talker.eof);
  EXPECT_NE(log_.text.str().find("no complete handshake"), std::string::npos);
}

TEST_F(AgentWireTest, PeerCloseFiresDisconnectedOnce) {
  auto& a = start("A");
  RawPeer peer(io_);
  connect_ready(peer, a);
  peer.close();
  ASSERT_TRUE(until([&] { return a.events.count(Kind::kDisconnected) == 1; }));
  run_for(io_, 50ms);
  EXPECT_EQ(a.events.count(Kind::kDisconnected), 1u);
  EXPECT_EQ(a.events.of(Kind::kDisconnected)[0].reason, CloseReason::kEof);
  EXPECT_EQ(a->peer_count(), 0u);
}

TEST_F(AgentWireTest, PeerResetFiresDisconnectedOnce) {
  auto& a = start("A");
  RawPeer peer(io_);
  connect_ready(peer, a);
  peer.reset();
  ASSERT_TRUE(until([&] { return a.events.count(Kind::kDisconnected) == 1; }));
  run_for(io_, 50ms);
  EXPECT_EQ(a.events.count(Kind::kDisconnected), 1u);
  EXPECT_EQ(a.events.of(Kind::kDisconnected)[0].reason, CloseReason::kReset);
}

TEST_F(AgentWireTest, PeerByeFiresDisconnectedOnce) {
  auto& a = start("A");
  RawPeer peer(io_);
  connect_ready(peer, a);
  peer.write(frame(0, 0));
  ASSERT_TRUE(until([&] { return a.events.count(Kind::kDisconnected) == 1; }));
  ASSERT_TRUE(until([&] { return peer.eof; }));
  EXPECT_EQ(a.events.of(Kind::kDisconnected)[0].reason, CloseReason::kBye);
  EXPECT_EQ(a.events.count(Kind::kDisconnected), 1u);
}

TEST_F(AgentWireTest, SendsByeOnStopThenCloses) {
  auto& a = start("A");
  RawPeer peer(io_);
  connect_ready(peer, a);
  a->stop();
  ASSERT_TRUE(until([&] { return peer.eof; }));
  EXPECT_TRUE(peer.received.ends_with(frame(0, 0))) << peer.received;
}

// The fake peer is linked twice to the agent: it announced itself (the agent
// connected) and it connected to the agent. The agent keeps one link, the
// one initiated by the lower (ip, port), closes the other without an ERROR,
// and delivers once. The parameter: which link's START arrives first.
class DuplicateLinkTest : public AgentWireTest, public ::testing::WithParamInterface<bool> {};

TEST_P(DuplicateLinkTest, KeepsOneLinkAndDeliversOnce) {
  const bool accepted_link_starts_first = GetParam();
  auto& a = start("A");
  RawPeer announced(io_), connecting(io_);
  const auto fake_port = announced.listen();
  announced.announce(port_, "TWICE");
  ASSERT_TRUE(until([&] { return announced.accepted == 1 && announced.has(frame(5, 0)); }));
  const std::string hello = handshake(fake_port, "TWICE", {"^x"});
  if (!accepted_link_starts_first) {
    announced.write(hello);
    ASSERT_TRUE(until([&] { return a.events.count(Kind::kConnected) == 1; }));
  }
  connecting.connect(a->tcp_port());
  connecting.write(hello);
  ASSERT_TRUE(until([&] { return connecting.has(frame(5, 0)); }));
  run_for(io_, 50ms);
  if (accepted_link_starts_first) announced.write(hello);
  ASSERT_TRUE(until([&] { return a->peer_count() == 1 && (announced.eof || connecting.eof); }));
  run_for(io_, 100ms);
  EXPECT_EQ(a->peer_count(), 1u);
  EXPECT_NE(announced.eof, connecting.eof) << "exactly one link is closed";
  const bool agent_initiates = std::make_pair(std::string("127.0.0.1"), a->tcp_port()) <
                               std::make_pair(std::string("127.0.0.1"), fake_port);
  EXPECT_EQ(connecting.eof, agent_initiates) << "the link initiated by the lower (ip, port) is kept";
  for (auto* p : {&announced, &connecting}) EXPECT_EQ(p->count_frames("3 "), 0u) << "no ERROR on a duplicate";
  EXPECT_EQ(*a->send("x"), 1u);
  EXPECT_EQ(a.events.count(Kind::kConnected) - a.events.count(Kind::kDisconnected), 1u);
}

// Regression: when the accepted link of a duplicate pair was kept, the app id
// of the dialled one stayed "linked" for good once the agent left, so that
// agent's announcements were ignored from then on.
TEST_F(AgentWireTest, AnAgentWhoseAcceptedDuplicateLinkWasKeptIsDialledAgainAfterItLeaves) {
  auto& a = start("A");
  // The accepted link is kept when the fake's port is the lower one.
  std::unique_ptr<RawPeer> announced;
  std::uint16_t fake_port = 0;
  for (int i = 0; i < 50 && (fake_port == 0 || fake_port > a->tcp_port()); ++i) {
    announced = std::make_unique<RawPeer>(io_);
    fake_port = announced->listen();
  }
  if (fake_port > a->tcp_port()) GTEST_SKIP() << "no lower ephemeral port in 50 tries";
  const std::string app_id = "KEEPS-ITS-ID";
  announced->send_datagram(port_, "3 " + std::to_string(fake_port) + " " + app_id + " TWICE\n");
  ASSERT_TRUE(until([&] { return announced->accepted == 1 && announced->has(frame(5, 0)); }));
  const std::string hello = handshake(fake_port, "TWICE");
  announced->write(hello);
  ASSERT_TRUE(until([&] { return a.events.count(Kind::kConnected) == 1; }));
  RawPeer connecting(io_);
  connecting.connect(a->tcp_port());
  connecting.write(hello);
  ASSERT_TRUE(until([&] { return announced->eof; })) << "the dialled link is the one closed";
  ASSERT_EQ(a->peers().size(), 1u);
  EXPECT_EQ(a->peers()[0].identity.app_id, app_id) << "the kept link carries the agent's app id";
  connecting.close();  // the agent leaves
  ASSERT_TRUE(until([&] { return a->peer_count() == 0; }));

  RawPeer back(io_);  // the same agent (same app id) announces again
  const auto back_port = back.listen();
  back.send_datagram(port_, "3 " + std::to_string(back_port) + " " + app_id + " TWICE\n");
  EXPECT_TRUE(until([&] { return back.accepted == 1; })) << "its announcement was ignored";
}

INSTANTIATE_TEST_SUITE_P(BothOrders, DuplicateLinkTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "AcceptedFirst" : "InitiatedFirst"; });

// --- a stalled reader ----------------------------------------------------------------

TEST_F(AgentWireTest, StalledReaderIsBoundedAndOthersGetEverything) {
  constexpr std::size_t kQueueBytes = 64 * 1024;
  auto& tx = start("TX", [&](AgentOptions& o) { o.link.max_queue_bytes = kQueueBytes; });
  auto& rx = make("RX");
  ASSERT_TRUE(rx->subscribe("^data (\\d+)").ok());
  ASSERT_TRUE(rx->start().ok());
  RawPeer stalled(io_);
  stalled.listen();
  stalled.receive_buffer_bytes = 4096;
  connect_ready(stalled, tx, {"(.*)"}, "STALLED");
  ASSERT_TRUE(until([&] { return tx->peer_count() == 2 && peer_subscriptions(*tx) == 2; }));
  const PeerKey stalled_key = tx->find_peers("STALLED").at(0);
  const PeerKey rx_key = tx->find_peers("RX").at(0);
  stalled.stop_reading();

  const std::string pad(1000, 'p');
  std::size_t sent = 0, max_queued = 0;
  auto stalled_info = [&] { return *tx->peer(stalled_key); };
  while (sent < 20'000 && (stalled_info().dropped_frames < 200 || sent < 2'000)) {
    for (int i = 0; i < 16; ++i) {
      const auto frames = tx->send("data " + std::to_string(sent++) + " " + pad);
      ASSERT_TRUE(frames.ok());
      ASSERT_GE(*frames, 1u);  // RX always gets its frame
    }
    max_queued = std::max(max_queued, stalled_info().queued_bytes);
    ASSERT_TRUE(until([&] { return tx->peer(rx_key)->queued_bytes == 0; }));
  }
  const auto info = stalled_info();
  EXPECT_LE(max_queued, kQueueBytes);
  EXPECT_GT(max_queued, kQueueBytes / 2) << "the queue never filled";
  EXPECT_GE(info.dropped_frames, 200u);
  EXPECT_EQ(tx->counters().frames_dropped, info.dropped_frames);
  // The listener hears of every drop (the recorder sums them), and of none for RX.
  EXPECT_EQ(tx.events.count(Kind::kFrameDropped, "STALLED"), info.dropped_frames);
  EXPECT_EQ(tx.events.count(Kind::kFrameDropped), info.dropped_frames);
  EXPECT_EQ(tx.events.count(Kind::kQueueDrained), 0u);
  ASSERT_TRUE(until([&] { return rx.events.count(Kind::kMessage) == sent; }));
  EXPECT_EQ(rx.events.of(Kind::kMessage).back().args, std::vector<std::string>{std::to_string(sent - 1)});
  EXPECT_EQ(tx->peer_count(), 2u) << "a stalled peer is not a dead one";

  stalled.resume_reading();
  ASSERT_TRUE(until([&] { return tx->peer(stalled_key)->queued_bytes == 0; }, 5000ms));
  ASSERT_TRUE(until([&] { return tx.events.count(Kind::kQueueDrained, "STALLED") == 1; }));
  EXPECT_EQ(*tx->send("data 424242 after the stall"), 2u);
  ASSERT_TRUE(until([&] { return stalled.has(frame(2, 0, "data 424242 after the stall\x03")); }, 5000ms));
  // Frames are dropped whole: every frame the fake got is complete.
  for (std::size_t start = stalled.received.find(frame(5, 0)) + frame(5, 0).size(), lf; start < stalled.received.size(); start = lf + 1) {
    lf = stalled.received.find('\n', start);
    ASSERT_NE(lf, std::string::npos);
    const auto line = std::string_view(stalled.received).substr(start, lf - start);
    ASSERT_TRUE(line.starts_with("2 0\x02" "data ") && line.ends_with("\x03")) << line.substr(0, 80);
  }
}

}  // namespace
}  // namespace ivy::daemon::test
