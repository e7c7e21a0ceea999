// Loopback benchmarks of the Asio Agent (§10 of ivy-protocol.md):
//
//  BM_AgentRoundTrip   ivyperf-style: agent A sends "ping ts=<t>", agent B's
//                      regexp ^ping ts=(.*) answers "pong ts=<t> tr=<t'>",
//                      A's ^pong ts=(.*) tr=(.*) receives it. One iteration =
//                      one round trip. Arg 0: both agents on one io_context
//                      (one thread); arg 1: one io_context per agent on two
//                      threads (closer to two processes). Counters: min,
//                      median and p99 in µs. ivy-c's ivyperf: 0.11 ms average.
//  BM_RawTcpRoundTrip  the baseline: the same byte counts echoed between two
//                      blocking TCP sockets on two threads (no Ivy at all).
//  BM_AgentFanOut      ivythroughput-style: one sender, N receivers each
//                      holding 3,000 distinct air-traffic regexps; 5,000
//                      messages each matching one regexp per receiver. One
//                      iteration = all frames received. Arg 0: receivers
//                      (2 or 4); arg 1: matcher (0 PCRE2, 1 Hyperscan).
//                      ivy-c: ~12-17k frames/s.
//
// Everything runs on 127.255.255.255:<free port> and 127.0.0.1.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/bus_spec.hpp"
#include "core/hs_matcher.hpp"
#include "core/pcre_matcher.hpp"
#include "daemon/agent/agent.hpp"
#include "tests/bench/bench_support.hpp"
#include "tests/core/ivy_traffic_generator.hpp"

namespace ivy::daemon {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using bench::quiet_log;

std::uint16_t free_bus_port() { return bench::free_bus_port(29000, 2000); }

enum class MatcherKind { kPcre, kHyperscan };

std::unique_ptr<Matcher> make_matcher(MatcherKind kind) {
  if (kind == MatcherKind::kHyperscan) return std::make_unique<HyperscanMatcher>();
  return std::make_unique<PcreMatcher>();
}

AgentOptions options(std::string name, std::uint16_t port) {
  AgentOptions o;
  o.name = std::move(name);
  o.bus = *parse_bus_spec("127.255.255.255:" + std::to_string(port));
  o.shutdown_grace = 200ms;
  return o;
}

// Runs `io` until `done()` or `timeout`; false on timeout.
template <class Done>
bool run_until(asio::io_context& io, Done done, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    if (io.stopped()) io.restart();
    io.run_one_for(1ms);
  }
  return true;
}

// An io_context on its own thread, for agents "in another process".
class IoThread {
 public:
  IoThread() : guard_(asio::make_work_guard(io)) {}
  void start() { thread_ = std::thread([this] { io.run(); }); }
  ~IoThread() { join(); }
  void join() {
    if (!thread_.joinable()) return;
    guard_.reset();
    io.stop();
    thread_.join();
  }
  asio::io_context io;

  // Joins `t` when it goes out of scope: declared after the agents of `t`,
  // it stops their thread before they are destroyed.
  struct Joiner {
    IoThread& t;
    ~Joiner() { t.join(); }
  };

 private:
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread thread_;
};

void report_percentiles(benchmark::State& state, std::vector<double>& us) {
  if (us.empty()) return;
  std::sort(us.begin(), us.end());
  state.counters["min_us"] = us.front();
  state.counters["median_us"] = us[us.size() / 2];
  state.counters["p99_us"] = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  double sum = 0;
  for (double v : us) sum += v;
  state.counters["mean_us"] = sum / static_cast<double>(us.size());
}

// --- round trip -------------------------------------------------------------------

struct Ponger : AgentListener {  // B: answers every ping
  Agent* agent = nullptr;
  void on_message(PeerKey, const PeerIdentity&, int, const std::vector<std::string>& args) override {
    const auto tr = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch()).count();
    (void)agent->send("pong ts=" + args.at(0) + " tr=" + std::to_string(tr));
  }
};

struct Pinger : AgentListener {  // A: counts pongs
  std::uint64_t pongs = 0;
  std::size_t connected = 0;
  void on_connected(PeerKey, const PeerIdentity&) override { ++connected; }
  void on_message(PeerKey, const PeerIdentity&, int, const std::vector<std::string>&) override { ++pongs; }
};

void BM_AgentRoundTrip(benchmark::State& state) {
  const bool two_threads = state.range(0) == 1;
  const auto port = free_bus_port();
  asio::io_context io_a;
  IoThread thread_b;
  asio::io_context& io_b = two_threads ? thread_b.io : io_a;
  Pinger pinger;
  Ponger ponger;
  Agent a(io_a, options("IvyPerfA", port), std::make_unique<PcreMatcher>(), quiet_log(), &pinger);
  Agent b(io_b, options("IvyPerfB", port), std::make_unique<PcreMatcher>(), quiet_log(), &ponger);
  ponger.agent = &b;
  IoThread::Joiner joiner{thread_b};
  (void)a.subscribe("^pong ts=(.*) tr=(.*)");
  (void)b.subscribe("^ping ts=(.*)");
  if (!a.start() || !b.start()) return state.SkipWithError("cannot start the agents");
  if (two_threads) thread_b.start();
  // Ready when a ping gets its pong (both sides know the other's regexps).
  const bool ready = run_until(io_a, [&] {
    if (pinger.connected == 0 || a.matcher().subscription_count() == 0) return false;
    if (pinger.pongs > 0) return true;
    (void)a.send("ping ts=0");
    const auto until = Clock::now() + 20ms;
    while (pinger.pongs == 0 && Clock::now() < until) io_a.run_one_for(1ms);
    return pinger.pongs > 0;
  });
  if (!ready) return state.SkipWithError("the agents did not connect");
  run_until(io_a, [] { return false; }, 50ms);  // let late warm-up pongs drain
  std::vector<double> us;
  us.reserve(static_cast<std::size_t>(state.max_iterations));
  for (auto _ : state) {
    const auto want = pinger.pongs + 1;
    const auto t0 = Clock::now();
    const auto ts = std::chrono::duration_cast<std::chrono::microseconds>(t0.time_since_epoch()).count();
    (void)a.send("ping ts=" + std::to_string(ts));
    while (pinger.pongs < want) io_a.run_one();
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  report_percentiles(state, us);
  thread_b.join();
}
BENCHMARK(BM_AgentRoundTrip)->ArgName("two_threads")->Arg(0)->Arg(1)->Iterations(10'000)->Unit(benchmark::kMicrosecond);

// The same byte counts as an ivyperf exchange, echoed over plain TCP.
void BM_RawTcpRoundTrip(benchmark::State& state) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0));
  tcp::socket client(io), server(io);
  client.connect(acceptor.local_endpoint());
  acceptor.accept(server);
  client.set_option(tcp::no_delay(true));
  server.set_option(tcp::no_delay(true));
  const auto ts = std::to_string(
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch()).count());
  const std::string ping = "2 0\x02" + ts + "\x03\n";
  const std::string pong = "2 0\x02" + ts + "\x03" + ts + "\x03\n";
  std::thread echo([&] {
    asio::streambuf buffer;
    error_code ec;
    for (;;) {
      asio::read_until(server, buffer, '\n', ec);
      if (ec) return;
      buffer.consume(buffer.size());
      asio::write(server, asio::buffer(pong), ec);
      if (ec) return;
    }
  });
  asio::streambuf buffer;
  std::vector<double> us;
  us.reserve(static_cast<std::size_t>(state.max_iterations));
  for (auto _ : state) {
    const auto t0 = Clock::now();
    asio::write(client, asio::buffer(ping));
    asio::read_until(client, buffer, '\n');
    buffer.consume(buffer.size());
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  report_percentiles(state, us);
  error_code ignored;
  client.shutdown(tcp::socket::shutdown_both, ignored);
  echo.join();
}
BENCHMARK(BM_RawTcpRoundTrip)->Iterations(10'000)->Unit(benchmark::kMicrosecond);

// --- fan-out --------------------------------------------------------------------------

struct Counting : AgentListener {
  std::atomic<std::uint64_t>* frames = nullptr;
  void on_message(PeerKey, const PeerIdentity&, int, const std::vector<std::string>&) override {
    frames->fetch_add(1, std::memory_order_relaxed);
  }
};

constexpr int kRegexpsPerReceiver = 3000;
constexpr int kMessages = 5000;
constexpr int kFlights = kRegexpsPerReceiver / 3;

// ivythroughput's shapes, via the shared generator: 1,000 flights x 3 shapes.
std::vector<std::string> receiver_regexps() {
  std::vector<std::string> out;
  for (int f = 0; f < kFlights; ++f) {
    for (int shape = 0; shape < 3; ++shape) {
      out.push_back(test::IvyTrafficGenerator::pattern(shape, test::IvyTrafficGenerator::kFirstFlight + f));
    }
  }
  return out;
}

// Each message matches exactly one regexp of every receiver.
std::vector<std::string> messages() {
  test::IvyTrafficGenerator random(7);
  std::vector<std::string> out;
  for (int i = 0; i < kMessages; ++i) {
    const auto flight = std::to_string(test::IvyTrafficGenerator::kFirstFlight + static_cast<int>(random.next(kFlights)));
    switch (i % 3) {
      case 0: out.push_back("AircraftDelete Flight=" + flight); break;
      case 1: out.push_back("TrackMovedEvent Flight=" + flight + " X=" + std::to_string(random.next(999)) + " Y=-3.5"); break;
      default: out.push_back("AddSharedStrip Position=PAO Flight=" + flight + " color=red X=12 Y=34"); break;
    }
  }
  return out;
}

void BM_AgentFanOut(benchmark::State& state) {
  const auto receivers = static_cast<std::size_t>(state.range(0));
  const auto kind = state.range(1) == 1 ? MatcherKind::kHyperscan : MatcherKind::kPcre;
  const auto port = free_bus_port();
  asio::io_context io;
  IoThread rx_thread;  // every receiver on one io_context, on a second thread
  std::atomic<std::uint64_t> received{0};
  Agent sender(io, options("IvyThroughputEmit", port), make_matcher(kind), quiet_log());
  if (!sender.start()) return state.SkipWithError("cannot start the sender");
  std::deque<Counting> listeners(receivers);
  std::vector<std::unique_ptr<Agent>> rx;
  IoThread::Joiner joiner{rx_thread};
  const auto regexps = receiver_regexps();
  for (std::size_t i = 0; i < receivers; ++i) {
    listeners[i].frames = &received;
    rx.push_back(std::make_unique<Agent>(rx_thread.io, options("IvyThroughputReceive_" + std::to_string(i), port),
                                         std::make_unique<PcreMatcher>(), quiet_log(), &listeners[i]));
    for (const auto& re : regexps) (void)rx.back()->subscribe(re);
    if (!rx.back()->start()) return state.SkipWithError("cannot start a receiver");
  }
  rx_thread.start();
  const auto want = receivers * regexps.size();
  if (!run_until(io, [&] { return sender.matcher().subscription_count() == want; }, 30s)) {
    return state.SkipWithError("the receivers' regexps did not arrive");
  }
  if (auto* hs = dynamic_cast<HyperscanMatcher*>(&sender.matcher())) hs->flush();
  const auto texts = messages();
  std::uint64_t frames = 0;
  double send_loop_s = 0;
  for (auto _ : state) {
    const auto start_count = received.load();
    std::uint64_t sent = 0;
    const auto t0 = Clock::now();
    for (std::size_t i = 0; i < texts.size(); ++i) {
      sent += *sender.send(texts[i]);
      if (i % 64 == 63) io.poll();  // keep the writes flowing, as a loop would
    }
    send_loop_s += std::chrono::duration<double>(Clock::now() - t0).count();
    if (!run_until(io, [&] { return received.load() - start_count >= sent; }, 60s)) {
      return state.SkipWithError("frames were lost");
    }
    frames += sent;
  }
  state.counters["frames_per_s"] = benchmark::Counter(static_cast<double>(frames), benchmark::Counter::kIsRate);
  state.counters["frames_per_burst"] = static_cast<double>(frames) / static_cast<double>(state.iterations());
  state.counters["send_loop_ms"] = 1000 * send_loop_s / static_cast<double>(state.iterations());
  state.counters["dropped"] = static_cast<double>(sender.counters().frames_dropped);
  rx_thread.join();
}
BENCHMARK(BM_AgentFanOut)
    ->ArgNames({"receivers", "hyperscan"})
    ->Args({2, 0})
    ->Args({4, 0})
    ->Args({2, 1})
    ->Args({4, 1})
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace ivy::daemon

BENCHMARK_MAIN();
