// Hostile input against the real ivyd executable (docs/reliability.md,
// docs/security.md): scripted fake peers flood it with garbage datagrams,
// announcements of dead or hanging ports, silent connections, malformed and
// oversized frames, invalid UTF-8 and NUL bytes, subscription floods and
// catastrophic regexps. Throughout, a healthy sender/receiver pair keeps
// exchanging messages. Each test then checks that ivyd still runs, that
// `ivyctl status` answers and shows the counter of the limit that applied,
// that the healthy link never dropped, that every healthy message arrived
// and was recorded, and that ivyd's log names what happened.
#include <gtest/gtest.h>

#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <random>

#include "tests/daemon/hostile_input_support.hpp"

namespace ivy::daemon::test {
namespace {

using Clock = std::chrono::steady_clock;

// Small limits, so the floods exceed them quickly.
constexpr const char* kSmallLimits =
    R"("max_frame_bytes": "1MiB", "max_subscriptions_per_peer": 1000, "max_peers": 64)";

long long ms_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// The checks every hostile test ends with.
void expect_survived(IvydUnderTest& ivyd, HealthyPair& healthy, const char* what) {
  SCOPED_TRACE(what);
  EXPECT_TRUE(ivyd.running()) << ivyd.log().substr(0, 4000);
  const auto t0 = Clock::now();
  const auto status = ivyd.status();
  EXPECT_TRUE(status.is_object()) << "ivyctl status did not answer";
  EXPECT_LT(ms_since(t0), 2000) << "status was slow";
  EXPECT_TRUE(healthy.all_received()) << healthy.received() << " of " << healthy.sent;
  EXPECT_EQ(healthy.delivered_to_both, healthy.sent) << "a healthy send did not reach both the receiver and ivyd";
  EXPECT_EQ(healthy.disconnections(), 0u) << "a healthy link dropped";
  EXPECT_TRUE(ivy::test::eventually([&] { return ivyd.recorded("^healthy ") == healthy.sent; }))
      << ivyd.recorded("^healthy ") << " of " << healthy.sent << " healthy messages recorded";
}

// A raw peer connected to ivyd's TCP port, introduced as `name`; returns
// once ivyd's handshake has arrived.
bool connect_raw(asio::io_context& io, RawPeer& raw, std::uint16_t ivyd_port, std::string_view name) {
  raw.connect(ivyd_port);
  raw.write(frame(6, 9, name) + frame(5, 0));
  return run_until(io, [&] { return raw.has(std::string("5 0\x02\n")); }, 3000ms);
}

class HostileInput : public IvydWithHealthyPairTest {
 protected:
  HostileInput() : IvydWithHealthyPairTest(kSmallLimits) {}
};

TEST_F(HostileInput, TenThousandGarbageAndOversizedDatagramsAreCountedNotFatal) {
  ASSERT_TRUE(start());

  asio::io_context udp_io;
  RawPeer attacker(udp_io);
  std::mt19937 random(42);
  const std::string oversized(60'000, 'Z');  // near the UDP maximum (65,507)
  constexpr int kDatagrams = 10'000;
  const auto t0 = Clock::now();
  for (int i = 0; i < kDatagrams; ++i) {
    std::string d;
    switch (i % 6) {
      case 0: {  // random bytes, 1-1400 long
        d.resize(1 + random() % 1400);
        for (auto& c : d) c = static_cast<char>(random());
        break;
      }
      case 1: d = "3 notaport id NAME\n"; break;
      case 2: d = "3 99999 id NAME\n"; break;  // port out of range
      case 3: d = std::string("\xff\xfe\x00\x01\x02 3 \x00\n", 10); break;
      case 4: d = "4 1234 id-" + std::to_string(i) + " WRONGVERSION\n"; break;
      case 5: d = (i % 60 == 5) ? oversized : std::string("3 \n"); break;
    }
    attacker.send_datagram(port, d);
    if (i % 50 == 49) run_for(io, 1ms);  // let the kernel buffers drain; healthy traffic flows
    if (i % 500 == 499) healthy.send(5);
  }
  const auto flood_ms = ms_since(t0);
  healthy.send(10);
  run_for(io, 300ms);

  expect_survived(ivyd, healthy, "UDP flood");
  const auto status = ivyd.status();
  const auto bad = IvydUnderTest::counter(status, "bad_datagrams");
  // The kernel may drop some of a flood; most must have been seen and counted.
  EXPECT_GE(bad, kDatagrams / 2) << status.dump();
  EXPECT_EQ(IvydUnderTest::counter(status, "connect_failures"), 0) << "a garbage datagram made ivyd connect";
  std::printf("[figures] udp flood: %d datagrams in %lld ms, bad_datagrams=%lld, ivyd VmHWM=%ld KiB, "
              "healthy=%d\n",
              kDatagrams, flood_ms, bad, ivyd.vm_hwm_kb(), healthy.sent);
}

TEST_F(HostileInput, AnnouncedPortsThatRefuseOrHangAndSilentConnectionsDoNotDisturbTheBus) {
  ASSERT_TRUE(start());

  // A port that refuses: bound, then closed.
  std::uint16_t refusing_port = 0;
  {
    tcp::acceptor probe(io, tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0));
    refusing_port = probe.local_endpoint().port();
  }
  // A port that hangs: listening, never accepting, never reading.
  tcp::acceptor hanging(io);
  hanging.open(tcp::v4());
  hanging.bind(tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0));
  hanging.listen(1);
  const auto hanging_port = hanging.local_endpoint().port();

  RawPeer announcer(io);
  for (int i = 0; i < 30; ++i) {  // 30 distinct app ids: each is a new "agent" to connect to
    announcer.send_datagram(port, "3 " + std::to_string(refusing_port) + " refuse-" + std::to_string(i) + " DEAD\n");
  }
  announcer.send_datagram(port, "3 " + std::to_string(hanging_port) + " hang-1 HANGING\n");

  // Silent connections: connect to ivyd's port and never send a byte.
  const auto ivyd_port = ivyd.tcp_port();
  ASSERT_NE(ivyd_port, 0);
  std::vector<std::unique_ptr<RawPeer>> silent;
  for (int i = 0; i < 5; ++i) {
    silent.push_back(std::make_unique<RawPeer>(io));
    silent.back()->connect(ivyd_port);
  }
  for (int round = 0; round < 10; ++round) {
    healthy.send(10);
    run_for(io, 50ms);
    EXPECT_TRUE(ivyd.status(1000ms).is_object()) << "status did not answer in round " << round;
  }

  expect_survived(ivyd, healthy, "dead, hanging and silent peers");
  const auto status = ivyd.status();
  // Announcements of an endpoint ivyd is already dialling are skipped, so
  // 30 announcements of one dead port make fewer than 30 attempts.
  EXPECT_GE(IvydUnderTest::counter(status, "connect_failures"), 1) << status.dump();
  EXPECT_GE(ivyd.log_lines_with("cannot connect back to 'DEAD'"), 1u) << ivyd.log();
  // The silent connections and the hanging link are links that never became
  // ready: they are visible in status, and the healthy agents are ready.
  std::size_t ready = 0, not_ready = 0;
  for (const auto& p : status["buses"][0]["peers"]) (p["ready"].get<bool>() ? ready : not_ready)++;
  EXPECT_EQ(ready, 2u) << status.dump();
  std::printf("[figures] dead/hanging/silent: connect_failures=%lld, ready peers=%zu, never-ready links=%zu, "
              "'cannot connect back' log lines=%zu\n",
              IvydUnderTest::counter(status, "connect_failures"), ready, not_ready,
              ivyd.log_lines_with("cannot connect back to"));
}

TEST_F(HostileInput, MalformedFramesAHundredMegabyteLineAndInvalidBytesKeepTheLink) {
  ASSERT_TRUE(start());

  // The agent name itself has invalid UTF-8 and a NUL byte.
  RawPeer raw(io);
  ASSERT_TRUE(connect_raw(io, raw, ivyd.tcp_port(), std::string("RAW\xff\xfe\x00NAME", 10)));
  const int tap = first_add_regexp_id(raw.received);
  ASSERT_GE(tap, 0) << raw.received;

  // 1,000 malformed frames.
  std::string malformed;
  for (int i = 0; i < 1000; ++i) {
    switch (i % 5) {
      case 0: malformed += "garbage without stx " + std::to_string(i) + "\n"; break;
      case 1: malformed += std::string("x y\x02payload\n"); break;
      case 2: malformed += std::string("\x02\x02\x02\n"); break;
      case 3: malformed += std::string("\xff\xfe\x00\x01\n", 5); break;
      case 4: malformed += std::string("99999999999999999999 1\x02overflow\n"); break;
    }
  }
  raw.write(malformed);
  ASSERT_TRUE(run_until(io, [&] { return raw.write_idle(); }));
  healthy.send(20);

  // A 100 MB line (100 x the 1 MiB limit), written in 1 MiB chunks while
  // the healthy pair keeps talking; then a valid MSG on the same link.
  const std::string chunk(1 << 20, 'A');
  const auto t0 = Clock::now();
  for (int i = 0; i < 100; ++i) {
    raw.write(chunk);
    ASSERT_TRUE(run_until(io, [&] { return raw.write_idle(); }, 5000ms)) << "chunk " << i;
    if (i % 10 == 9) healthy.send(5);
  }
  raw.write("\n" + frame(2, tap, "after the big line\x03"));
  ASSERT_TRUE(run_until(io, [&] { return raw.write_idle(); }));
  const auto big_line_ms = ms_since(t0);

  // Invalid UTF-8 and NUL bytes in ADD_REGEXP, MSG and DIRECT_MSG.
  raw.write(frame(1, 7, std::string("bad\xff(re)\x00z", 10)) + frame(2, tap, std::string("bin\xff\xfe\x00" "ary\x03", 10)) +
            frame(7, 1, std::string("direct\xc3\x28\x00!", 10)) + frame(2, tap, "still alive\x03"));
  ASSERT_TRUE(run_until(io, [&] { return raw.write_idle(); }));
  healthy.send(20);
  run_for(io, 200ms);

  expect_survived(ivyd, healthy, "malformed, huge and binary frames");
  EXPECT_FALSE(raw.eof) << "ivyd closed the raw peer's link: " << raw.read_error.message();
  const auto status = ivyd.status();
  ASSERT_TRUE(status.is_object());
  EXPECT_GE(IvydUnderTest::counter(status, "malformed_lines"), 1000) << status.dump();
  EXPECT_GE(ivyd.log_lines_with("malformed line from"), 1u);
  EXPECT_LE(ivyd.log_lines_with("malformed line from"), 20u) << "the malformed-line log is not thinned out";
  EXPECT_EQ(IvydUnderTest::counter(status, "oversized_frames"), 1) << status.dump();
  EXPECT_EQ(ivyd.log_lines_with("skipped a line longer than max_frame_bytes (1048576 bytes)"), 1u) << ivyd.log();
  // The peer's name (invalid UTF-8, NUL) reaches status as valid JSON.
  bool raw_listed = false;
  for (const auto& p : status["buses"][0]["peers"]) raw_listed |= p["name"].get<std::string>().rfind("RAW", 0) == 0;
  EXPECT_TRUE(raw_listed) << status.dump();
  // The messages around the huge line and the binary one were recorded.
  EXPECT_TRUE(ivy::test::eventually([&] { return ivyd.recorded("after the big line") == 1; }));
  EXPECT_TRUE(ivy::test::eventually([&] { return ivyd.recorded("still alive") == 1; }));
  EXPECT_TRUE(ivy::test::eventually([&] { return ivyd.recorded("^bin") == 1; }))
      << "the MSG with invalid UTF-8 and a NUL byte was not recorded, or the query failed";
  const auto all = ivyd.recorded();
  EXPECT_EQ(all, healthy.sent + 3) << "ivyctl query --format json over binary records";
  std::printf("[figures] raw peer: 1000 malformed frames, 100 MiB line in %lld ms, malformed_lines=%lld, "
              "'malformed line' log lines=%zu, ivyd VmHWM=%ld KiB, healthy=%d, recorded=%lld\n",
              big_line_ms, IvydUnderTest::counter(status, "malformed_lines"),
              ivyd.log_lines_with("malformed line from"), ivyd.vm_hwm_kb(), healthy.sent, all);
}

TEST_F(HostileInput, AHundredThousandSubscriptionsAndCatastrophicRegexpsAreBounded) {
  ASSERT_TRUE(start());

  RawPeer raw(io);
  ASSERT_TRUE(connect_raw(io, raw, ivyd.tcp_port(), "FLOODER"));
  // Catastrophic patterns first (within the limit), then 100,000 more.
  std::string adds = frame(1, 1, "(a+)+$") + frame(1, 2, "(x+x+)+y") + frame(1, 3, "^(healthy|h.*)*(a|aa)+$");
  for (int i = 4; i <= 100'000; ++i) adds += frame(1, i, "^flood " + std::to_string(i) + "$");
  const auto t0 = Clock::now();
  raw.write(std::move(adds));
  while (!raw.write_idle() && ms_since(t0) < 10000) {
    run_for(io, 20ms);
    healthy.send(2);
  }
  ASSERT_TRUE(raw.write_idle());
  const auto flood_ms = ms_since(t0);
  // Every recorded message is matched against the flooder's patterns (to
  // know its receivers): these are the worst inputs for a backtracking engine.
  const auto status_before = Clock::now();
  EXPECT_TRUE(ivyd.status(2000ms).is_object()) << "status did not answer right after the flood";
  const auto status_ms = ms_since(status_before);
  healthy.send(3, " " + std::string(30'000, 'a') + "!");
  healthy.send(3, " " + std::string(30'000, 'x'));
  healthy.send(3, " " + std::string(5'000, 'a') + std::string(5'000, 'x') + "b");
  healthy.send(10);
  run_for(io, 300ms);

  // The flood is processed at ivyd's pace (slower under sanitizers): wait for it.
  EXPECT_TRUE(ivy::test::eventually([&] {
    return IvydUnderTest::counter(ivyd.status(), "refused_subscriptions") == 100'000 - 1000;
  }, 20s));
  expect_survived(ivyd, healthy, "subscription flood and catastrophic regexps");
  EXPECT_FALSE(raw.eof) << "ivyd closed the flooder's link";
  const auto status = ivyd.status();
  ASSERT_TRUE(status.is_object());
  long long flooder_subscriptions = -1;
  for (const auto& p : status["buses"][0]["peers"]) {
    if (p["name"] == "FLOODER") flooder_subscriptions = p["subscriptions"].get<long long>();
  }
  EXPECT_EQ(flooder_subscriptions, 1000) << status.dump();
  const auto refused_lines = ivyd.log_lines_with("subscriptions from one peer");
  EXPECT_GE(refused_lines, 1u) << "no log line for the refused subscriptions";
  // The first 10, then one per 1,000: 10 + 99 lines for 99,000 refusals.
  EXPECT_LE(refused_lines, 110u) << "one log line per refused subscription floods the journal";
  EXPECT_EQ(IvydUnderTest::counter(status, "refused_subscriptions"), 100'000 - 1000) << status.dump();
  std::printf("[figures] subscription flood: 100000 ADD_REGEXP written in %lld ms, status after %lld ms, "
              "accepted=%lld, refusal log lines=%zu, ivyd log=%zu bytes, VmHWM=%ld KiB, healthy=%d\n",
              flood_ms, status_ms, flooder_subscriptions, refused_lines, ivyd.log().size(), ivyd.vm_hwm_kb(),
              healthy.sent);
}

}  // namespace
}  // namespace ivy::daemon::test
