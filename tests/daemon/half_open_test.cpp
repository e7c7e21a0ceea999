// Half-open TCP against the real ivyd executable (docs/reliability.md):
// a peer whose host vanishes sends no FIN and no RST, so only ivyd's own
// timers can notice. ivyd runs with limits.tcp_keepalive_seconds = 1, i.e.
// probes every second, 3 of them, and a 4 s TCP_USER_TIMEOUT (TcpKeepalive).
//
// The vanished host is simulated on loopback with a socket filter on the
// peer's end that drops everything arriving for it (drop_all_incoming() in
// test_support.hpp): ivyd's probes and frames get no answer at all, as with
// a pulled cable. A rebooted host (its kernel forgot the connection and
// answers with RST) is simulated with TCP_REPAIR, which needs CAP_NET_ADMIN.
//
// Each test checks that ivyd closes the link within the bound, logs why,
// records the peer's leave with how it left, and that a healthy
// sender/receiver pair on the same bus is not disturbed.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "tests/daemon/hostile_input_support.hpp"

namespace ivy::daemon::test {
namespace {

using Clock = std::chrono::steady_clock;

// Idle 1 s, then 3 probes 1 s apart: a vanished peer is closed after 4 s.
constexpr const char* kFastKeepalive = R"("tcp_keepalive_seconds": 1)";
constexpr auto kDetectionBound = 4000ms;
// Slack for a loaded 2-core machine (timer granularity, scheduling, polling).
constexpr auto kSlack = 2500ms;

long long ms_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// Connects `raw` to ivyd's TCP port as agent `name`, subscribed to
// `patterns` (ids 1, 2, ...); true once ivyd's handshake has arrived.
bool connect_agent(asio::io_context& io, RawPeer& raw, std::uint16_t ivyd_port,
                   std::string_view name, const std::vector<std::string>& patterns = {}) {
  raw.connect(ivyd_port);
  std::string hello = frame(6, 9, name);
  for (std::size_t i = 0; i < patterns.size(); ++i)
    hello += frame(1, static_cast<int>(i + 1), patterns[i]);
  raw.write(hello + frame(5, 0));
  return run_until(
      io, [&] { return raw.has(std::string("5 0\x02\n")); }, 3000ms);
}

// How ivyd recorded `name` leaving (`ivyctl query --kind leave`): "" if not.
std::string recorded_leave(const IvydUnderTest& ivyd, const std::string& name) {
  std::string out;
  if (ivy::test::run_command({ivy::test::bin_path("ivyctl"), "query", "--db",
                              ivyd.dir.file("rec.db"), "--kind", "leave", "--format", "json"},
                             &out) != 0) {
    return {};
  }
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j["agent"]["name"] == name) return j["how"].get<std::string>();
  }
  return {};
}

// Runs the bus (the healthy pair sends a message every 20 ms) until ivyd's
// log has a line containing `text`, at most `timeout` after `t0`. Returns
// the time from `t0` in ms, or -1.
long long until_logged(asio::io_context& io, HealthyPair& healthy, IvydUnderTest& ivyd,
                       const std::string& text, Clock::time_point t0,
                       std::chrono::milliseconds timeout,
                       const std::function<void()>& each_round = {}) {
  while (Clock::now() - t0 < timeout) {
    if (ivyd.log_lines_with(text) > 0) return ms_since(t0);
    healthy.send(1);
    if (each_round) each_round();
    run_for(io, 20ms);
  }
  return ivyd.log_lines_with(text) > 0 ? ms_since(t0) : -1;
}

// The healthy pair was not disturbed, ivyd runs and answers, and recorded
// every healthy message.
void expect_bus_undisturbed(IvydUnderTest& ivyd, HealthyPair& healthy) {
  EXPECT_TRUE(ivyd.running()) << ivyd.log();
  EXPECT_TRUE(ivyd.status(2000ms).is_object()) << "ivyctl status did not answer";
  EXPECT_TRUE(healthy.all_received()) << healthy.received() << " of " << healthy.sent;
  EXPECT_EQ(healthy.delivered_to_both, healthy.sent);
  EXPECT_EQ(healthy.disconnections(), 0u) << "keepalive closed a healthy link";
  EXPECT_TRUE(ivy::test::eventually([&] { return ivyd.recorded("^healthy ") == healthy.sent; }))
      << ivyd.recorded("^healthy ") << " of " << healthy.sent;
}

class HalfOpen : public IvydWithHealthyPairTest {
 protected:
  HalfOpen() : IvydWithHealthyPairTest(kFastKeepalive) {}
};

TEST_F(HalfOpen, VanishedIdlePeerIsClosedByKeepaliveAndRecordedAsLeft) {
  ASSERT_TRUE(start());
  RawPeer ghost(io);
  ASSERT_TRUE(connect_agent(io, ghost, ivyd.tcp_port(), "GHOST"));
  // Its last words, acknowledged by ivyd's kernel: from here the link is idle.
  const int tap = first_add_regexp_id(ghost.received);
  ASSERT_GE(tap, 0) << ghost.received;
  ghost.write(frame(2, tap, "ghost last words\x03"));
  // Acknowledged, not only written: an unacknowledged byte would be
  // retransmitted after the vanish, and each retransmission that reaches ivyd
  // restarts its idle time.
  ASSERT_TRUE(run_until(io, [&] { return ghost.all_acknowledged(); }));
  ASSERT_TRUE(ivy::test::eventually([&] { return ivyd.recorded("^ghost last words$") == 1; }));
  ASSERT_TRUE(IvydUnderTest::has_peer(ivyd.status(), "GHOST"));

  ASSERT_TRUE(ghost.vanish());
  const auto detected_ms = until_logged(io, healthy, ivyd, "(GHOST) disconnected (timeout",
                                        Clock::now(), kDetectionBound + kSlack + 2000ms);

  ASSERT_GE(detected_ms, 0) << "the vanished peer was not closed within "
                            << (kDetectionBound + kSlack + 2000ms).count() << " ms:\n"
                            << ivyd.log();
  // It cannot be noticed before the 1 s of idleness it waited for (the
  // recording round trip above already took some of it), nor much after the
  // last unanswered probe.
  EXPECT_LE(detected_ms, (kDetectionBound + kSlack).count());
  EXPECT_FALSE(IvydUnderTest::has_peer(ivyd.status(), "GHOST")) << ivyd.status().dump();
  EXPECT_EQ(
      ivyd.log_lines_with(
          "(GHOST) disconnected (timeout: Connection timed out; nothing acknowledged for 4 s"),
      1u)
      << ivyd.log();
  EXPECT_TRUE(ivy::test::eventually([&] { return recorded_leave(ivyd, "GHOST") == "timeout"; }))
      << "recorded leave: '" << recorded_leave(ivyd, "GHOST") << "'";
  EXPECT_FALSE(ghost.eof) << "the ghost's end saw a close: the simulation leaked a FIN or RST";
  expect_bus_undisturbed(ivyd, healthy);
  std::printf(
      "[figures] vanished idle peer: closed by keepalive %lld ms after it went silent (bound %lld "
      "ms), "
      "recorded leave '%s', healthy=%d\n",
      detected_ms, static_cast<long long>(kDetectionBound.count()),
      recorded_leave(ivyd, "GHOST").c_str(), healthy.sent);
}

// ivyd sends to agents only as a bridge: here the bus bridge main -> side
// carries "^load" messages, and the ghost on "side" subscribes to them. With
// frames in flight keepalive does not run; the user timeout closes the link.
TEST_F(HalfOpen, VanishedPeerWithFramesQueuedToItIsClosedByTheUserTimeout) {
  const auto side_port = unique_bus_port();
  IvydSetup setup;
  setup.limits = kFastKeepalive;
  setup.more_buses = R"({"id": "side", "spec": "127.255.255.255:)" + std::to_string(side_port) +
                     R"(", "name": "ivyd-side"})";
  setup.bridges = R"({"id": "main-side", "type": "bus", "bus": "main", "peer_bus": "side",
                      "direction": "out", "include": ["^load "]})";
  ivyd.reconfigure(port, setup);
  ASSERT_TRUE(start());
  TestAgent loader(io, log, "LOADER", port);
  ASSERT_TRUE(loader->start().ok());
  RawPeer ghost(io);
  ASSERT_TRUE(connect_agent(io, ghost, ivyd.tcp_port(1), "GHOST", {"^load (.*)"}));
  ASSERT_TRUE(run_until(
      io, [&] { return loader->peers().size() == 3 && peer_subscriptions(*loader) >= 1; }, 5000ms))
      << ivyd.log();

  // The bridge path works: "load" messages from main reach the ghost on side.
  int loads = 0;
  const auto send_load = [&] { (void)loader->send("load " + std::to_string(loads++)); };
  ASSERT_TRUE(run_until(
      io,
      [&] {
        send_load();
        return ghost.count_frames("2 1\x02") >= 5;
      },
      5000ms))
      << ivyd.log();

  ASSERT_TRUE(ghost.vanish());
  const auto vanished_at = Clock::now();
  run_for(io, 50ms);  // frames that arrived before the filter are still read
  const auto frames_before = ghost.count_frames("2 1\x02");
  // A message every 20 ms: a few KB in flight, far below peer_queue_bytes,
  // so neither the queue bound nor the stall timeout applies.
  const auto detected_ms = until_logged(io, healthy, ivyd, "(GHOST) disconnected (timeout",
                                        vanished_at, kDetectionBound + kSlack + 2000ms, send_load);

  ASSERT_GE(detected_ms, 0) << "the vanished peer with frames in flight was not closed within "
                            << (kDetectionBound + kSlack + 2000ms).count() << " ms:\n"
                            << ivyd.log();
  EXPECT_LE(detected_ms, (kDetectionBound + kSlack).count());
  EXPECT_EQ(ghost.count_frames("2 1\x02"), frames_before) << "the filter let frames through";
  EXPECT_FALSE(IvydUnderTest::has_peer(ivyd.status(), "GHOST", 1)) << ivyd.status().dump();
  EXPECT_EQ(ivyd.log_lines_with("(GHOST) disconnected (timeout: Connection timed out"), 1u)
      << ivyd.log();
  EXPECT_TRUE(ivy::test::eventually([&] { return recorded_leave(ivyd, "GHOST") == "timeout"; }))
      << "recorded leave: '" << recorded_leave(ivyd, "GHOST") << "'";
  expect_bus_undisturbed(ivyd, healthy);
  std::printf(
      "[figures] vanished peer with frames in flight: closed by the user timeout %lld ms after it "
      "went "
      "silent (bound %lld ms), %d load messages sent meanwhile, recorded leave '%s'\n",
      detected_ms, static_cast<long long>(kDetectionBound.count()), loads,
      recorded_leave(ivyd, "GHOST").c_str());
}

// A rebooted host answers the first keepalive probe with RST: noticed after
// the idle time alone.
TEST_F(HalfOpen, RebootedPeerIsResetByTheFirstKeepaliveProbe) {
  ASSERT_TRUE(start());
  RawPeer ghost(io);
  ASSERT_TRUE(connect_agent(io, ghost, ivyd.tcp_port(), "REBOOTED"));
  ASSERT_TRUE(
      ivy::test::eventually([&] { return IvydUnderTest::has_peer(ivyd.status(), "REBOOTED"); }));

  if (!ghost.forget()) GTEST_SKIP() << "TCP_REPAIR needs CAP_NET_ADMIN (run as root)";
  const auto detected_ms = until_logged(io, healthy, ivyd, "(REBOOTED) disconnected (reset",
                                        Clock::now(), kDetectionBound + kSlack);

  ASSERT_GE(detected_ms, 0) << ivyd.log();
  EXPECT_LE(detected_ms, (1000ms + kSlack).count())
      << "a reset should come with the first probe, after 1 s idle";
  EXPECT_TRUE(ivy::test::eventually([&] { return recorded_leave(ivyd, "REBOOTED") == "reset"; }))
      << "recorded leave: '" << recorded_leave(ivyd, "REBOOTED") << "'";
  expect_bus_undisturbed(ivyd, healthy);
  std::printf(
      "[figures] rebooted peer: reset by the first keepalive probe %lld ms after it forgot the "
      "connection\n",
      detected_ms);
}

}  // namespace
}  // namespace ivy::daemon::test
