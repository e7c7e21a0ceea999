// Faults against the real ivyd executable (docs/reliability.md, "Faults"):
// stalled and slow readers, peers that die in the middle of a frame, and
// an agent that restarts on a new port.
//
// ivyd as a plain recorder sends nothing to its peers, so the tests that
// need it to send run two loopback buses, "a" and "b", with a bus-to-bus
// bridge carrying everything from a to b: what an agent publishes on a,
// ivyd-b publishes to its peers on b. Each test checks what ivyd counts
// (`ivyctl status --json`), logs and records (`ivyctl query --format json`),
// and that the healthy agents around the fault lose nothing.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "tests/daemon/hostile_input_support.hpp"

namespace ivy::daemon::test {
namespace {

using Clock = std::chrono::steady_clock;
using ivy::test::eventually;
using Kind = AgentEvent::Kind;

constexpr std::size_t kBusA = 0;
constexpr std::size_t kBusB = 1;
constexpr long long kQueueBytes = 64 * 1024;
constexpr std::int64_t kStallTimeoutNs = 2'000'000'000;
// A small queue fills quickly; a short stall timeout keeps the test short.
constexpr const char* kFaultLimits =
    R"("peer_queue_bytes": "64KiB", "stall_timeout_seconds": 2, "max_frame_bytes": "1MiB")";

long long ms_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// Buses "a" (ivyd-a) and "b" (ivyd-b); everything published on a is
// published again on b by ivyd-b.
IvydUnderTest::Topology bridged_buses(std::uint16_t a, std::uint16_t b) {
  return {R"("buses": [{"id": "a", "spec": "127.255.255.255:)" + std::to_string(a) + R"(", "name": "ivyd-a"},
                       {"id": "b", "spec": "127.255.255.255:)" + std::to_string(b) + R"(", "name": "ivyd-b"}],
             "bridges": [{"id": "a-to-b", "type": "bus", "bus": "a", "peer_bus": "b", "direction": "out"}])"};
}

// The status entries of the peers named `name` on bus `bus`.
std::vector<nlohmann::json> peers_named(const nlohmann::json& status, std::size_t bus, const std::string& name) {
  std::vector<nlohmann::json> out;
  if (!status.is_object() || status["buses"].size() <= bus) return out;
  for (const auto& p : status["buses"][bus]["peers"]) {
    if (p["name"] == name) out.push_back(p);
  }
  return out;
}

// A raw peer linked to ivyd's TCP port as agent `name`, claiming listen
// port `fake_port` (distinct per raw peer: two links from one host with
// the same listen port are one agent linked twice, and ivyd closes one),
// subscribing `patterns` with ids 0, 1, ... Returns once ivyd's handshake
// has arrived.
bool connect_raw(asio::io_context& io, RawPeer& raw, std::uint16_t ivyd_port, const std::string& name,
                 int fake_port, const std::vector<std::string>& patterns = {}) {
  raw.connect(ivyd_port);
  std::string hello = frame(6, fake_port, name);
  for (std::size_t i = 0; i < patterns.size(); ++i) hello += frame(1, static_cast<int>(i), patterns[i]);
  raw.write(hello + frame(5, 0));
  return run_until(io, [&] { return raw.has(std::string("5 0\x02\n")); }, 3000ms);
}

// Waits until ivyd lists `name` on `bus` as ready with `subscriptions`.
bool ivyd_sees_ready(const IvydUnderTest& ivyd, std::size_t bus, const std::string& name,
                     long long subscriptions = -1) {
  return eventually([&] {
    const auto peers = peers_named(ivyd.status(), bus, name);
    return peers.size() == 1 && peers[0]["ready"].get<bool>() &&
           (subscriptions < 0 || peers[0]["subscriptions"].get<long long>() == subscriptions);
  });
}

// Recorded entries of `kind` about agent `name`; empty if the query failed
// (the failure is reported).
std::vector<nlohmann::json> recorded(const IvydUnderTest& ivyd, const std::string& kind, const std::string& name,
                                     const std::string& match = {}) {
  std::vector<std::string> args{"--kind", kind, "--agent", name};
  if (!match.empty()) args.insert(args.end(), {"--match", match});
  auto entries = ivyd.query(args);
  EXPECT_TRUE(entries.has_value()) << "ivyctl query " << kind << " " << name << " failed";
  return entries.value_or(std::vector<nlohmann::json>{});
}

long long sum_dropped(const std::vector<nlohmann::json>& drops) {
  long long n = 0;
  for (const auto& d : drops) n += d["dropped"].get<long long>();
  return n;
}

// --- the flood: a -> bridge -> b ------------------------------------------

const std::string kPad(1000, 'p');
std::string bulk(int seq) { return "bulk " + std::to_string(seq) + " " + kPad; }

// A sender on bus a and a healthy receiver on bus b ("^bulk (\d+) "), linked
// to ivyd and knowing its subscriptions.
struct BridgedPair {
  BridgedPair(asio::io_context& io, Logger& log, std::uint16_t a, std::uint16_t b)
      : io(io), source(io, log, "SOURCE", a), receiver(io, log, "RX", b) {}

  bool start() {
    if (!receiver->subscribe("^bulk (\\d+) ").ok()) return false;
    if (!source->start().ok() || !receiver->start().ok()) return false;
    return run_until(io, [&] {
      return source->peer_count() == 1 && source->peers()[0].ready && receiver->peer_count() == 1 &&
             receiver->peers()[0].ready;
    }, 5000ms);
  }
  std::size_t received() const { return receiver.events.count(Kind::kMessage); }
  // Every message reached the receiver, in the order sent.
  ::testing::AssertionResult got_all_in_order(int sent) const {
    const auto messages = receiver.events.of(Kind::kMessage);
    if (messages.size() != static_cast<std::size_t>(sent)) {
      return ::testing::AssertionFailure() << messages.size() << " of " << sent << " received";
    }
    for (int i = 0; i < sent; ++i) {
      if (messages[i].args != std::vector<std::string>{std::to_string(i)}) {
        return ::testing::AssertionFailure() << "message " << i << " out of order";
      }
    }
    return ::testing::AssertionSuccess();
  }

  asio::io_context& io;
  TestAgent source;
  TestAgent receiver;
};

// Sends `messages` bulk messages in bursts; after each burst waits until
// the healthy receiver has them all, so only the faulty peers fall behind.
// `between_bursts` runs after every burst (a slow reader reads a little).
struct FloodResult {
  bool ok = false;
  int sent = 0;
  long long ms = 0;
};
FloodResult flood(BridgedPair& pair, int messages, const std::function<void(int sent)>& between_bursts) {
  constexpr int kBurst = 40;
  FloodResult r;
  const auto t0 = Clock::now();
  while (r.sent < messages) {
    for (int i = 0; i < kBurst && r.sent < messages; ++i) {
      const auto frames = pair.source->send(bulk(r.sent++));
      if (!frames || *frames != 1) return r;  // SOURCE's only peer is ivyd-a
    }
    if (!run_until(pair.io, [&] { return pair.received() == static_cast<std::size_t>(r.sent); }, 5000ms)) return r;
    if (between_bursts) between_bursts(r.sent);
  }
  r.ms = ms_since(t0);
  r.ok = true;
  return r;
}

// Every test: one ivyd with buses a and b and a bridge from a to b, started;
// the test's agents and fake peers run on `io`.
class Faults : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(ivyd.start()) << ivyd.log(); }

  const std::uint16_t port_a = unique_bus_port();
  const std::uint16_t port_b = unique_bus_port();
  IvydUnderTest ivyd{bridged_buses(port_a, port_b), kFaultLimits};
  asio::io_context io;
  Logger log{LogLevel::kError, Logger::Style::kPlain};
};

TEST_F(Faults, StalledPeerIsBoundedCountedRecordedAndClosedAfterStallTimeout) {
  BridgedPair pair(io, log, port_a, port_b);
  ASSERT_TRUE(pair.start()) << ivyd.log();
  ASSERT_TRUE(ivyd_sees_ready(ivyd, kBusB, "RX", 1)) << ivyd.status().dump();

  RawPeer stalled(io);
  stalled.receive_buffer_bytes = 4096;
  ASSERT_TRUE(connect_raw(io, stalled, ivyd.tcp_port(kBusB), "STALLED", 9001, {"(.*)"}));
  ASSERT_TRUE(ivyd_sees_ready(ivyd, kBusB, "STALLED", 1)) << ivyd.status().dump();
  stalled.stop_reading();

  // Status is polled during the flood: the queue must never pass the bound.
  long long max_queued = 0, dropped_seen = 0;
  const auto poll_stalled = [&](int sent) {
    if (sent % 400 != 0) return;
    const auto peers = peers_named(ivyd.status(), kBusB, "STALLED");
    if (peers.size() != 1) return;  // closed already
    max_queued = std::max(max_queued, peers[0]["queued_bytes"].get<long long>());
    dropped_seen = std::max(dropped_seen, peers[0]["dropped_frames"].get<long long>());
  };
  const auto result = flood(pair, 4000, poll_stalled);
  ASSERT_TRUE(result.ok) << result.sent << " sent, " << pair.received() << " received\n" << ivyd.log();
  EXPECT_LE(max_queued, kQueueBytes) << "the stalled peer's queue passed peer_queue_bytes";
  EXPECT_GT(max_queued, kQueueBytes / 2) << "the stalled peer's queue never filled";
  EXPECT_GT(dropped_seen, 0) << "no frame was dropped for the stalled peer";

  // Traffic goes on for a while at 50 msg/s (drops go on: the drop spans
  // are recorded once a second), then stops: the stalled link must still be
  // closed when stall_timeout is up, with nothing more sent to it.
  int sent = result.sent;
  for (const auto trickle_start = Clock::now(); Clock::now() - trickle_start < 1200ms;) {
    ASSERT_EQ(*pair.source->send(bulk(sent++)), 1u);
    ASSERT_TRUE(run_until(io, [&] { return pair.received() == static_cast<std::size_t>(sent); }, 5000ms));
    run_for(io, 20ms);
  }
  EXPECT_TRUE(pair.got_all_in_order(sent));
  const auto wait_start = Clock::now();
  EXPECT_TRUE(eventually([&] { return peers_named(ivyd.status(), kBusB, "STALLED").empty(); }, 6s))
      << "the stalled link was never closed";
  const auto close_wait_ms = ms_since(wait_start);
  stalled.resume_reading();  // to see the end of the stream
  EXPECT_TRUE(run_until(io, [&] { return stalled.eof; }, 2000ms)) << "the stalled peer's socket is still open";
  EXPECT_EQ(ivyd.log_lines_with("closing the link to 127.0.0.1:9001 (STALLED): no write progress for 2000 ms"), 1u)
      << ivyd.log();

  // Counted in status, and recorded: a few aggregated rows, then the leave.
  const auto status = ivyd.status();
  const auto frames_dropped = IvydUnderTest::counter(status, "frames_dropped", kBusB);
  EXPECT_GE(frames_dropped, dropped_seen);
  std::vector<nlohmann::json> drops;
  EXPECT_TRUE(eventually([&] {
    drops = recorded(ivyd, "dropped", "STALLED");
    return sum_dropped(drops) == frames_dropped;
  })) << sum_dropped(drops) << " dropped frames recorded, " << frames_dropped << " counted";
  ASSERT_FALSE(drops.empty());
  // A span closes once a second old, the last one at the close: a stall of
  // 2 s is at most 3 rows, however many frames.
  EXPECT_LE(drops.size(), 3u) << "drops are not aggregated";
  for (const auto& d : drops) EXPECT_LE(d["wall_ns"].get<std::int64_t>(), d["end_ns"].get<std::int64_t>());
  std::vector<nlohmann::json> leaves;
  EXPECT_TRUE(eventually([&] { return (leaves = recorded(ivyd, "leave", "STALLED")).size() == 1; }));
  ASSERT_EQ(leaves.size(), 1u);
  EXPECT_EQ(leaves[0]["how"], "stalled");
  const auto stalled_for_ns = leaves[0]["wall_ns"].get<std::int64_t>() - drops.front()["wall_ns"].get<std::int64_t>();
  EXPECT_GE(stalled_for_ns, kStallTimeoutNs) << "closed before stall_timeout";
  EXPECT_LE(stalled_for_ns, kStallTimeoutNs + 1'500'000'000) << "closed long after stall_timeout";
  EXPECT_LE(drops.back()["end_ns"].get<std::int64_t>(), leaves[0]["wall_ns"].get<std::int64_t>());

  // The healthy side lost nothing: both copies of every message recorded.
  EXPECT_TRUE(eventually([&] { return ivyd.recorded("^bulk ") == 2 * sent; }))
      << ivyd.recorded("^bulk ") << " of " << 2 * sent;
  EXPECT_TRUE(ivyd.running());
  EXPECT_EQ(pair.source.events.count(Kind::kDisconnected) + pair.receiver.events.count(Kind::kDisconnected), 0u);
  std::printf("[figures] stalled peer: %d msgs of 1 KB in %lld ms then %d at 50/s, queue peak seen %lld of %lld "
              "bytes, %lld frames dropped in %zu recorded rows, closed %.2f s after its first drop (%lld ms after "
              "the last message), healthy receiver %zu/%d\n",
              result.sent, result.ms, sent - result.sent, max_queued, kQueueBytes, frames_dropped, drops.size(),
              static_cast<double>(stalled_for_ns) / 1e9, close_wait_ms, pair.received(), sent);
}

TEST_F(Faults, SlowPeerGetsWholeFramesInOrderItsDropsAreRecordedAndItRecoversWhenItDrains) {
  BridgedPair pair(io, log, port_a, port_b);
  ASSERT_TRUE(pair.start()) << ivyd.log();
  ASSERT_TRUE(ivyd_sees_ready(ivyd, kBusB, "RX", 1)) << ivyd.status().dump();

  RawPeer slow(io);
  slow.receive_buffer_bytes = 4096;
  ASSERT_TRUE(connect_raw(io, slow, ivyd.tcp_port(kBusB), "SLOW", 9002, {"(.*)"}));
  ASSERT_TRUE(ivyd_sees_ready(ivyd, kBusB, "SLOW", 1)) << ivyd.status().dump();
  const std::size_t handshake_bytes = slow.received.size();
  slow.stop_reading();

  // Slow: one read (a few KB) per burst of 40 KB.
  long long max_queued = 0;
  const auto read_a_little = [&](int sent) {
    slow.resume_reading();
    slow.stop_reading();  // after the read now pending
    if (sent % 400 == 0) {
      const auto peers = peers_named(ivyd.status(), kBusB, "SLOW");
      if (peers.size() == 1) max_queued = std::max(max_queued, peers[0]["queued_bytes"].get<long long>());
    }
  };
  const auto result = flood(pair, 4000, read_a_little);
  ASSERT_TRUE(result.ok) << result.sent << " sent, " << pair.received() << " received\n" << ivyd.log();
  EXPECT_TRUE(pair.got_all_in_order(result.sent));
  EXPECT_LE(max_queued, kQueueBytes);

  // It catches up: the queue drains and new messages reach it again.
  const auto drain_start = Clock::now();
  slow.resume_reading();
  ASSERT_TRUE(eventually([&] {
    run_for(io, 20ms);
    const auto peers = peers_named(ivyd.status(), kBusB, "SLOW");
    return peers.size() == 1 && peers[0]["queued_bytes"] == 0;
  })) << ivyd.status().dump();
  const auto drain_ms = ms_since(drain_start);
  ASSERT_EQ(*pair.source->send("bulk " + std::to_string(result.sent) + " after the drain"), 1u);
  const int total = result.sent + 1;
  EXPECT_TRUE(run_until(io, [&] { return slow.has("after the drain\x03\n"); }, 5000ms)) << "no frame after the drain";
  EXPECT_TRUE(run_until(io, [&] { return pair.received() == static_cast<std::size_t>(total); }));

  // Every frame it got is whole, and they are in order: frames are dropped
  // whole, never cut.
  std::size_t frames = 0;
  long long last_seq = -1;
  for (std::size_t start = handshake_bytes, lf; start < slow.received.size(); start = lf + 1) {
    lf = slow.received.find('\n', start);
    ASSERT_NE(lf, std::string::npos) << "a cut frame at the end";
    const auto line = std::string_view(slow.received).substr(start, lf - start);
    ASSERT_TRUE(line.starts_with("2 0\x02" "bulk ") && line.ends_with("\x03")) << line.substr(0, 80);
    const long long seq = std::stoll(std::string(line.substr(9, line.find(' ', 9) - 9)));
    ASSERT_GT(seq, last_seq) << "out of order";
    last_seq = seq;
    ++frames;
  }
  EXPECT_EQ(last_seq, result.sent);

  // Counted and recorded: what it got plus what was dropped is everything.
  const auto status = ivyd.status();
  const auto peers = peers_named(status, kBusB, "SLOW");
  ASSERT_EQ(peers.size(), 1u) << "the slow peer was disconnected";
  const auto dropped = peers[0]["dropped_frames"].get<long long>();
  EXPECT_GT(dropped, 0) << "the slow peer never fell behind: the test proves nothing";
  EXPECT_EQ(static_cast<long long>(frames) + dropped, total);
  EXPECT_EQ(IvydUnderTest::counter(status, "frames_dropped", kBusB), dropped);
  std::vector<nlohmann::json> drops;
  // The drained queue closes the span at once: no wait for the next second.
  EXPECT_TRUE(eventually([&] { return sum_dropped(drops = recorded(ivyd, "dropped", "SLOW")) == dropped; }, 1500ms))
      << sum_dropped(drops) << " recorded, " << dropped << " counted";
  EXPECT_LE(drops.size(), static_cast<std::size_t>(result.ms / 1000 + 2)) << "drops are not aggregated";
  EXPECT_FALSE(slow.eof) << "the slow peer's link was closed";
  EXPECT_TRUE(recorded(ivyd, "leave", "SLOW").empty());
  EXPECT_EQ(ivyd.log_lines_with("closing the link to SLOW"), 0u);
  std::printf("[figures] slow peer: %d msgs of 1 KB in %lld ms, queue peak seen %lld of %lld bytes, got %zu whole "
              "frames, %lld dropped in %zu recorded rows, drained in %lld ms\n",
              total, result.ms, max_queued, kQueueBytes, frames, dropped, drops.size(), drain_ms);
}

// --- peers that die mid-frame ------------------------------------------------

// A healthy pair on bus a (recorded, and carried to b) and a receiver on
// bus b of everything ivyd-b publishes.
struct Bystanders {
  Bystanders(asio::io_context& io, Logger& log, std::uint16_t a, std::uint16_t b)
      : io(io), healthy(io, log, a), far(io, log, "FAR", b) {}
  bool start() {
    if (!far->subscribe("(.*)").ok() || !far->start().ok()) return false;
    return healthy.start() && run_until(io, [&] { return far->peer_count() == 1 && far->peers()[0].ready; }, 5000ms);
  }
  // Texts FAR got from ivyd-b (carried from bus a).
  std::size_t far_got(std::string_view text) const {
    std::size_t n = 0;
    for (const auto& m : far.events.of(Kind::kMessage)) n += m.args.at(0).find(text) != std::string::npos;
    return n;
  }
  // A round of healthy traffic, received on a and carried to b.
  bool exchange(int n) {
    healthy.send(n);
    return healthy.all_received() &&
           run_until(io, [&] { return far_got("healthy ") == static_cast<std::size_t>(healthy.sent); }, 5000ms);
  }

  asio::io_context& io;
  HealthyPair healthy;
  TestAgent far;
};

// What every mid-frame test ends with: ivyd runs and answers, the healthy
// agents never dropped, every healthy message was recorded on a and on b.
void expect_bystanders_unaffected(IvydUnderTest& ivyd, Bystanders& b) {
  EXPECT_TRUE(ivyd.running()) << ivyd.log();
  const auto t0 = Clock::now();
  EXPECT_TRUE(ivyd.status(2000ms).is_object()) << "status did not answer";
  EXPECT_LT(ms_since(t0), 2000);
  EXPECT_EQ(b.healthy.delivered_to_both, b.healthy.sent);
  EXPECT_EQ(b.healthy.disconnections() + b.far.events.count(Kind::kDisconnected), 0u) << "a healthy link dropped";
  // Each healthy message twice: first-hand on a, carried on b.
  EXPECT_TRUE(eventually([&] { return ivyd.recorded("^healthy ") == 2 * b.healthy.sent; }))
      << ivyd.recorded("^healthy ") << " of " << 2 * b.healthy.sent;
}

TEST_F(Faults, PeerDyingMidFrameIsRecordedAsLeftAndItsHalfFrameIsNeitherDeliveredNorRecorded) {
  Bystanders bystanders(io, log, port_a, port_b);
  ASSERT_TRUE(bystanders.start());
  ASSERT_TRUE(ivyd_sees_ready(ivyd, kBusB, "FAR", 1)) << ivyd.status().dump();
  ASSERT_TRUE(bystanders.exchange(10));
  const auto ivyd_a = ivyd.tcp_port(kBusA);

  // HALF sends a whole MSG and half of the next one in one write, then
  // resets the connection (RST), as a crashed host's stack would.
  auto half = std::make_unique<RawPeer>(io);
  ASSERT_TRUE(connect_raw(io, *half, ivyd_a, "HALF", 9003));
  const int tap = first_add_regexp_id(half->received);  // ivyd-a's "(.*)"
  ASSERT_GE(tap, 0) << half->received;
  half->write(frame(2, tap, "whole before the crash\x03") + "2 " + std::to_string(tap) +
              "\x02" "half a frame, then RST");
  ASSERT_TRUE(run_until(io, [&] { return half->write_idle(); }));
  // Recorded: ivyd has read that write.
  ASSERT_TRUE(eventually([&] { return recorded(ivyd, "msg", "HALF", "^whole before the crash$").size() == 1; }));
  const auto reset_at = Clock::now();
  half->reset();
  std::vector<nlohmann::json> leaves;
  EXPECT_TRUE(eventually([&] { return (leaves = recorded(ivyd, "leave", "HALF")).size() == 1; }));
  const auto reset_leave_ms = ms_since(reset_at);
  ASSERT_EQ(leaves.size(), 1u);
  EXPECT_TRUE(leaves[0]["how"] == "reset" || leaves[0]["how"] == "eof") << leaves[0].dump();
  const std::string reset_how = leaves[0]["how"];

  // HALFADD sends a whole ADD_REGEXP and half of the next one, then closes (FIN).
  RawPeer half_add(io);
  ASSERT_TRUE(connect_raw(io, half_add, ivyd_a, "HALFADD", 9004));
  half_add.write(frame(1, 76, "^whole pattern$") + "1 77\x02^half pattern");
  ASSERT_TRUE(run_until(io, [&] { return half_add.write_idle(); }));
  ASSERT_TRUE(eventually([&] { return recorded(ivyd, "bind", "HALFADD").size() == 1; }));
  half_add.close();
  EXPECT_TRUE(eventually([&] { return (leaves = recorded(ivyd, "leave", "HALFADD")).size() == 1; }));
  ASSERT_EQ(leaves.size(), 1u);
  EXPECT_EQ(leaves[0]["how"], "eof");

  // Other links carry on; the half frames never show up anywhere.
  ASSERT_TRUE(bystanders.exchange(10));
  const auto binds = recorded(ivyd, "bind", "HALFADD");
  ASSERT_EQ(binds.size(), 1u);
  EXPECT_EQ(binds[0]["regexp_id"], 76);
  EXPECT_EQ(ivyd.recorded("half a frame"), 0);
  EXPECT_EQ(bystanders.far_got("half a frame"), 0u);
  EXPECT_EQ(bystanders.far_got("whole before the crash"), 1u);
  EXPECT_EQ(IvydUnderTest::counter(ivyd.status(), "malformed_lines", kBusA), 0) << "a half frame was parsed";

  // The same agent comes back on a new connection and is heard again.
  half = std::make_unique<RawPeer>(io);
  ASSERT_TRUE(connect_raw(io, *half, ivyd_a, "HALF", 9003));
  half->write(frame(2, tap, "HALF is back\x03"));
  EXPECT_TRUE(eventually([&] { return recorded(ivyd, "msg", "HALF", "^HALF is back$").size() == 1; }));
  EXPECT_TRUE(run_until(io, [&] { return bystanders.far_got("HALF is back") == 1; }, 3000ms));
  EXPECT_EQ(recorded(ivyd, "join", "HALF").size(), 2u);
  ASSERT_TRUE(bystanders.exchange(10));
  expect_bystanders_unaffected(ivyd, bystanders);
  std::printf("[figures] half MSG then RST: leave '%s' recorded within %lld ms; half ADD_REGEXP then FIN: 'eof'; "
              "half frames recorded 0, carried 0; healthy %d/%d recorded on both buses\n",
              reset_how.c_str(), reset_leave_ms, bystanders.healthy.sent, bystanders.healthy.sent);
}

// A child process that links to ivyd's TCP port, writes `bytes` and waits
// to be killed: an agent process dying with a frame half written. It never
// reads, so ivyd's handshake is left unread in its socket.
class HalfFrameProcess {
 public:
  HalfFrameProcess(std::uint16_t ivyd_port, const std::string& bytes) {
    int ready[2];
    if (::pipe(ready) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) run_child(ready[1], ivyd_port, bytes);  // never returns
    ::close(ready[1]);
    pollfd p{ready[0], POLLIN, 0};
    char byte = 0;
    written_ = pid_ > 0 && ::poll(&p, 1, 5000) == 1 && ::read(ready[0], &byte, 1) == 1 && byte == 'w';
    ::close(ready[0]);
  }
  ~HalfFrameProcess() { kill(); }
  HalfFrameProcess(const HalfFrameProcess&) = delete;
  HalfFrameProcess& operator=(const HalfFrameProcess&) = delete;

  // True once the child has connected and written everything.
  bool written() const { return written_; }
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  // After fork(): system calls only, then wait for SIGKILL.
  [[noreturn]] static void run_child(int ready, std::uint16_t port, const std::string& bytes) {
    ::dup2(ready, 3);
    ::close_range(4, ~0U, 0);  // none of the parent's sockets
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) ::_exit(1);
    for (std::size_t done = 0; done < bytes.size();) {
      const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n <= 0) ::_exit(1);
      done += static_cast<std::size_t>(n);
    }
    const char written = 'w';
    (void)::write(3, &written, 1);
    for (;;) ::pause();
  }

  pid_t pid_ = -1;
  bool written_ = false;
};

TEST_F(Faults, ProcessKilledWithSigkillMidFrameIsRecordedAsLeftAndCanComeBack) {
  Bystanders bystanders(io, log, port_a, port_b);
  ASSERT_TRUE(bystanders.start());
  ASSERT_TRUE(ivyd_sees_ready(ivyd, kBusB, "FAR", 1)) << ivyd.status().dump();
  ASSERT_TRUE(bystanders.exchange(10));
  const auto ivyd_a = ivyd.tcp_port(kBusA);
  RawPeer probe(io);  // only to learn ivyd-a's tap id
  ASSERT_TRUE(connect_raw(io, probe, ivyd_a, "TAPID", 9005));
  const int tap = first_add_regexp_id(probe.received);
  ASSERT_GE(tap, 0);
  const std::string hello = frame(6, 9006, "KILLED") + frame(5, 0);

  HalfFrameProcess first(ivyd_a, hello + frame(2, tap, "whole before SIGKILL\x03") + "2 " + std::to_string(tap) +
                                     "\x02" "half a frame, then SIGKILL");
  ASSERT_TRUE(first.written());
  ASSERT_TRUE(eventually([&] { return recorded(ivyd, "msg", "KILLED", "^whole before SIGKILL$").size() == 1; }));
  ASSERT_TRUE(bystanders.exchange(10));
  const auto kill_at = Clock::now();
  first.kill();
  std::vector<nlohmann::json> leaves;
  EXPECT_TRUE(eventually([&] { return (leaves = recorded(ivyd, "leave", "KILLED")).size() == 1; }));
  const auto kill_leave_ms = ms_since(kill_at);
  ASSERT_EQ(leaves.size(), 1u);
  const std::string kill_how = leaves[0]["how"];
  // The kernel resets a socket closed with unread data (ivyd's handshake).
  EXPECT_TRUE(leaves[0]["how"] == "reset" || leaves[0]["how"] == "eof") << leaves[0].dump();
  ASSERT_TRUE(bystanders.exchange(10));
  EXPECT_EQ(ivyd.recorded("half a frame"), 0);
  EXPECT_EQ(bystanders.far_got("half a frame"), 0u);
  EXPECT_EQ(bystanders.far_got("whole before SIGKILL"), 1u);

  // The agent restarted: a new process, the same name, a whole frame.
  HalfFrameProcess second(ivyd_a, hello + frame(2, tap, "KILLED is back\x03"));
  ASSERT_TRUE(second.written());
  EXPECT_TRUE(eventually([&] { return recorded(ivyd, "msg", "KILLED", "^KILLED is back$").size() == 1; }));
  EXPECT_TRUE(run_until(io, [&] { return bystanders.far_got("KILLED is back") == 1; }, 3000ms));
  EXPECT_EQ(recorded(ivyd, "join", "KILLED").size(), 2u);
  EXPECT_EQ(peers_named(ivyd.status(), kBusA, "KILLED").size(), 1u);
  second.kill();
  EXPECT_TRUE(eventually([&] { return recorded(ivyd, "leave", "KILLED").size() == 2; }));
  ASSERT_TRUE(bystanders.exchange(10));
  expect_bystanders_unaffected(ivyd, bystanders);
  std::printf("[figures] SIGKILL mid-frame: leave '%s' recorded within %lld ms; the restarted process heard; "
              "healthy %d/%d\n", kill_how.c_str(), kill_leave_ms, bystanders.healthy.sent, bystanders.healthy.sent);
}

// --- an agent restarting on a new port ---------------------------------------

// `ivyctl probe` as the agent: a real agent process, with a new TCP port
// and a new app id at every start, as ivy-c's.
struct ProbeProcess {
  ProbeProcess(const ivy::test::TempDir& dir, std::uint16_t bus_port, const std::string& name, int life)
      : out(dir.file(name + std::to_string(life) + ".out")),
        child({ivy::test::bin_path("ivyctl"), "probe", "-b", "127.255.255.255:" + std::to_string(bus_port), "-n", name},
              out, dir.file(name + std::to_string(life) + ".err"), ivy::test::PipeStdin{}) {}
  // Waits until the probe has ivyd's subscriptions (its link is ready).
  bool linked_to(const std::string& ivyd_name) {
    return eventually(
        [&] { return ivy::test::read_text_file(out).find(ivyd_name + " connected from") != std::string::npos; });
  }
  std::string out;
  ivy::test::ChildProcess child;
};

// ivyd's view of the peer named `name` on bus a: {port, app_id}, once it is
// the only one of that name and ready at a port other than `not_port`.
std::optional<std::pair<long long, std::string>> linked_once(const IvydUnderTest& ivyd, const std::string& name,
                                                             long long not_port = -1) {
  std::optional<std::pair<long long, std::string>> found;
  eventually([&] {
    const auto peers = peers_named(ivyd.status(), kBusA, name);
    if (peers.size() != 1 || !peers[0]["ready"].get<bool>() || peers[0]["port"] == not_port) return false;
    found.emplace(peers[0]["port"].get<long long>(), peers[0]["app_id"].get<std::string>());
    return true;
  });
  return found;
}

TEST_F(Faults, AgentKilledAndRestartedOnANewPortWithANewAppIdIsLinkedAndRecordedAgain) {
  TestAgent far(io, log, "FAR", port_b);
  ASSERT_TRUE(far->subscribe("^life (.*)").ok());
  ASSERT_TRUE(far->start().ok());
  ASSERT_TRUE(run_until(io, [&] { return far->peer_count() == 1 && far->peers()[0].ready; }, 5000ms));
  ASSERT_TRUE(ivyd_sees_ready(ivyd, kBusB, "FAR", 1)) << ivyd.status().dump();

  auto first = std::make_unique<ProbeProcess>(ivyd.dir, port_a, "RESTARTER", 1);
  ASSERT_TRUE(first->linked_to("ivyd-a")) << ivy::test::read_text_file(first->out);
  const auto before = linked_once(ivyd, "RESTARTER");
  ASSERT_TRUE(before) << ivyd.status().dump();
  ASSERT_TRUE(first->child.write_line("life one"));
  ASSERT_TRUE(eventually([&] { return recorded(ivyd, "msg", "RESTARTER", "^life one$").size() == 1; }));

  const auto t0 = Clock::now();
  first->child.signal(SIGKILL);  // no BYE
  ASSERT_TRUE(first->child.wait_for(2000ms));
  auto second = std::make_unique<ProbeProcess>(ivyd.dir, port_a, "RESTARTER", 2);
  ASSERT_TRUE(second->linked_to("ivyd-a")) << ivy::test::read_text_file(second->out);
  const auto after = linked_once(ivyd, "RESTARTER", before->first);
  ASSERT_TRUE(after) << ivyd.status().dump();
  const auto relink_ms = ms_since(t0);
  EXPECT_NE(after->first, before->first);
  EXPECT_NE(after->second, before->second) << "a new process has a new app id";
  ASSERT_TRUE(second->child.write_line("life two"));

  // Recorded: the leave of the first, the join of the second at its new
  // port, and its message; the bridge carries it like the first one's.
  std::vector<nlohmann::json> messages;
  EXPECT_TRUE(eventually([&] { return (messages = recorded(ivyd, "msg", "RESTARTER", "^life two$")).size() == 1; }));
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["agent"]["port"], after->first);
  const auto joins = recorded(ivyd, "join", "RESTARTER");
  ASSERT_EQ(joins.size(), 2u);
  EXPECT_EQ(joins[0]["agent"]["port"], before->first);
  EXPECT_EQ(joins[1]["agent"]["port"], after->first);
  EXPECT_EQ(joins[1]["agent"]["app_id"], after->second);
  const auto leaves = recorded(ivyd, "leave", "RESTARTER");
  ASSERT_EQ(leaves.size(), 1u);
  EXPECT_TRUE(leaves[0]["how"] == "eof" || leaves[0]["how"] == "reset") << leaves[0].dump();
  EXPECT_EQ(leaves[0]["agent"]["port"], before->first);
  EXPECT_TRUE(run_until(io, [&] { return far.events.count(Kind::kMessage) == 2; }, 3000ms));
  EXPECT_TRUE(ivyd.running());
  std::printf("[figures] restart with a new app id: port %lld -> %lld, linked again %lld ms after SIGKILL\n",
              before->first, after->first, relink_ms);
}

TEST_F(Faults, AgentRestartedWithANewAppIdWhileItsOldLinkIsStillOpenGetsASecondLinkUntilTheOldOneDies) {

  auto first = std::make_unique<ProbeProcess>(ivyd.dir, port_a, "RESTARTER", 1);
  ASSERT_TRUE(first->linked_to("ivyd-a"));
  const auto before = linked_once(ivyd, "RESTARTER");
  ASSERT_TRUE(before) << ivyd.status().dump();
  // Frozen: its link stays open and its kernel still acknowledges.
  first->child.signal(SIGSTOP);
  auto second = std::make_unique<ProbeProcess>(ivyd.dir, port_a, "RESTARTER", 2);
  ASSERT_TRUE(second->linked_to("ivyd-a"));
  // Agent names are not unique on an Ivy bus: a new app id is another agent
  // to ivyd, and the old link stays while it is open.
  EXPECT_TRUE(eventually([&] { return peers_named(ivyd.status(), kBusA, "RESTARTER").size() == 2; }))
      << ivyd.status().dump();
  ASSERT_TRUE(second->child.write_line("life two"));
  std::vector<nlohmann::json> messages;
  EXPECT_TRUE(eventually([&] { return (messages = recorded(ivyd, "msg", "RESTARTER", "^life two$")).size() == 1; }));
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_NE(messages[0]["agent"]["port"], before->first);

  first->child.signal(SIGKILL);  // the old process dies at last
  ASSERT_TRUE(first->child.wait_for(2000ms));
  const auto after = linked_once(ivyd, "RESTARTER", before->first);
  ASSERT_TRUE(after) << ivyd.status().dump();
  std::vector<nlohmann::json> leaves;
  EXPECT_TRUE(eventually([&] { return (leaves = recorded(ivyd, "leave", "RESTARTER")).size() == 1; }));
  ASSERT_EQ(leaves.size(), 1u);
  EXPECT_EQ(leaves[0]["agent"]["port"], before->first);
  EXPECT_EQ(recorded(ivyd, "join", "RESTARTER").size(), 2u);
}

TEST_F(Faults, AgentRestartedWithTheSameAppIdWhileItsOldLinkIsStillOpenIsAlsoLinkedAtItsNewPort) {

  // An agent that keeps its app id across restarts; its first process is
  // gone without a FIN (its host froze), so its old link looks open.
  const auto announce = [&](RawPeer& raw) {
    const auto port = raw.listen();
    raw.write(frame(6, port, "RESTARTER") + frame(5, 0));
    raw.send_datagram(port_a, "3 " + std::to_string(port) + " FIXED-APP-ID RESTARTER\n");
    return port;
  };
  RawPeer old_life(io);
  const auto old_port = announce(old_life);
  ASSERT_TRUE(run_until(io, [&] { return old_life.accepted == 1 && old_life.has(std::string("5 0\x02\n")); }, 3000ms));
  ASSERT_TRUE(ivyd_sees_ready(ivyd, kBusA, "RESTARTER")) << ivyd.status().dump();
  old_life.stop_reading();

  RawPeer new_life(io);
  const auto new_port = announce(new_life);
  EXPECT_TRUE(run_until(io, [&] { return new_life.accepted == 1 && new_life.has(std::string("5 0\x02\n")); }, 3000ms))
      << "ivyd did not connect to the new port\n" << ivyd.log();
  // Both links: the datagram is unauthenticated, so it never cuts the old one.
  EXPECT_TRUE(eventually([&] { return peers_named(ivyd.status(), kBusA, "RESTARTER").size() == 2; }))
      << ivyd.status().dump();
  EXPECT_FALSE(old_life.eof) << "an announcement closed the old link";

  const int tap = first_add_regexp_id(new_life.received);
  ASSERT_GE(tap, 0);
  new_life.write(frame(2, tap, "life two\x03"));
  std::vector<nlohmann::json> messages;
  EXPECT_TRUE(eventually([&] { return (messages = recorded(ivyd, "msg", "RESTARTER", "^life two$")).size() == 1; }));
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["agent"]["port"], new_port);
  const auto joins = recorded(ivyd, "join", "RESTARTER");
  ASSERT_EQ(joins.size(), 2u);
  EXPECT_EQ(joins[1]["agent"]["port"], new_port);
  EXPECT_EQ(ivyd.log_lines_with("announced itself again"), 1u) << ivyd.log();
  EXPECT_EQ(IvydUnderTest::counter(ivyd.status(), "reannounced_app_ids", kBusA), 1);
  // The old process's end closes only its own link.
  old_life.close();
  std::vector<nlohmann::json> leaves;
  EXPECT_TRUE(eventually([&] { return (leaves = recorded(ivyd, "leave", "RESTARTER")).size() == 1; }));
  ASSERT_EQ(leaves.size(), 1u);
  EXPECT_EQ(leaves[0]["agent"]["port"], old_port);
  const auto after = linked_once(ivyd, "RESTARTER", old_port);
  ASSERT_TRUE(after) << ivyd.status().dump();
  EXPECT_EQ(after->first, new_port);
}

}  // namespace
}  // namespace ivy::daemon::test
