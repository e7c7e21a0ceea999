// probe_bench: `ivyctl probe` as seen from the bus, whole
// programs on a loopback bus.
//
//  BM_FromTheBus/sender:N  ivythroughput's scenario: two receivers (our
//      Agents, on a thread of their own) each subscribe 3,079 air-traffic
//      regexps; 4,079 lines (3,079 built to match one regexp each, 1,000
//      matching nothing) are piped into the sender's stdin. Time from the
//      first byte written to the last frame received. Senders:
//        0  ivyctl probe with IVYCTL_MATCHER=pcre: the baseline of the run
//        1  ivyctl probe (Hyperscan; its cache warmed beforehand, as on any
//           run after the first)
//        2  $IVYD_BENCH_IVYPROBE, e.g. ivy-c's ivyprobe, if set (not built
//           here); a sender that drops lines is timed to its last frame.
//  BM_PingRoundTrip/gap_ms:G  an ivyprobe-like peer (one blocking socket,
//      as ivy-c's .ping) pings, in turn: ivyctl probe; a minimal select()
//      responder in a child process (the floor: read, write, nothing else);
//      and $IVYD_BENCH_IVYPROBE if set. G ms pause before each ping (idle
//      wake-ups, as when a person types .ping). Counters: medians in µs and
//      the ratios of the same run.
//
// Everything stays on 127.0.0.0/8; the bus port is a free one.
#include <benchmark/benchmark.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <future>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/bus_spec.hpp"
#include "core/hs_matcher.hpp"
#include "core/pcre_matcher.hpp"
#include "daemon/agent/agent.hpp"
#include "storage/file_database_cache.hpp"
#include "tests/bench/bench_support.hpp"
#include "tests/core/ivy_traffic_generator.hpp"
#include "tests/daemon/process_support.hpp"

namespace ivy::daemon {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using bench::quiet_log;

std::uint16_t free_bus_port() { return bench::free_bus_port(31000, 1500); }

constexpr int kPatterns = 3079;
constexpr int kUnmatched = 1000;

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// --- from the bus -----------------------------------------------------------------

// Counts the frames a receiver gets, and when the last one came.
struct FrameCounter : AgentListener {
  std::atomic<std::uint64_t> frames{0};
  std::atomic<std::int64_t> last_ns{0};
  void on_message(PeerKey, const PeerIdentity&, int, const std::vector<std::string>&) override {
    frames.fetch_add(1, std::memory_order_relaxed);
    last_ns.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
  }
};

// Two receivers holding the set, on their own io_context thread.
class Receivers {
 public:
  explicit Receivers(std::uint16_t port) : guard_(asio::make_work_guard(io_)) {
    for (int r = 0; r < 2; ++r) {
      AgentOptions o;
      o.name = "RECV" + std::to_string(r + 1);
      o.bus = *parse_bus_spec("127.255.255.255:" + std::to_string(port));
      o.shutdown_grace = 200ms;
      agents_.push_back(std::make_unique<Agent>(io_, o, std::make_unique<HyperscanMatcher>(),
                                                quiet_log(), &counter_));
      for (const auto& p : test::IvyTrafficGenerator::throughput_patterns(kPatterns))
        (void)agents_.back()->subscribe(p);
      (void)agents_.back()->start();
    }
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Receivers() {
    asio::post(io_, [this] {
      for (auto& a : agents_) a->stop();
    });
    std::this_thread::sleep_for(300ms);
    guard_.reset();
    io_.stop();
    thread_.join();
  }
  std::uint64_t frames() const { return counter_.frames.load(); }
  // Whether both receivers have a ready link to an agent called `name` (asked
  // on their thread; ivy-c's ivyprobe buffers its stdout in a pipe, so the
  // sender's own output cannot tell).
  bool both_linked_to(const std::string& name) {
    std::promise<bool> answer;
    asio::post(io_, [&] {
      bool both = true;
      for (auto& a : agents_) {
        const auto keys = a->find_peers(name);
        both = both && !keys.empty() && a->peer(keys.front())->ready;
      }
      answer.set_value(both);
    });
    return answer.get_future().get();
  }
  Clock::time_point last_frame() const {
    return Clock::time_point(Clock::duration(counter_.last_ns.load()));
  }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  FrameCounter counter_;
  std::vector<std::unique_ptr<Agent>> agents_;
  std::thread thread_;
};

// The frames every correct sender sends: PCRE2 over the same set, two holders.
std::uint64_t expected_frames(const std::vector<std::string>& lines) {
  PcreMatcher reference;
  const auto patterns = test::IvyTrafficGenerator::throughput_patterns(kPatterns);
  for (PeerKey peer : {PeerKey{1}, PeerKey{2}}) {
    for (std::size_t i = 0; i < patterns.size(); ++i)
      (void)reference.add(peer, static_cast<int>(i), patterns[i]);
  }
  std::vector<Hit> hits;
  for (const auto& line : lines) reference.match(line, CaptureMode::kAllGroups, hits);
  return hits.size();
}

// What a second run of ivyctl finds in its cache: the set compiled once here.
void warm_cache(const std::string& xdg_cache_home) {
  auto cache = storage::FileDatabaseCache::open(xdg_cache_home + "/ivyd", 256ULL << 20);
  if (!cache) return;
  HyperscanMatcherOptions options;
  options.cache = *cache;
  HyperscanMatcher matcher(options);
  const auto patterns = test::IvyTrafficGenerator::throughput_patterns(kPatterns);
  for (std::size_t i = 0; i < patterns.size(); ++i)
    (void)matcher.add(1, static_cast<int>(i), patterns[i]);
  matcher.flush();
}

void BM_FromTheBus(benchmark::State& state) {
  const int sender = static_cast<int>(state.range(0));
  const char* ivyprobe = std::getenv("IVYD_BENCH_IVYPROBE");
  if (sender == 2 && (!ivyprobe || !*ivyprobe))
    return state.SkipWithError("IVYD_BENCH_IVYPROBE not set");
  static test::TempDir cache_home;  // shared by the runs, warmed once
  static const bool warmed = (warm_cache(cache_home.path), true);
  (void)warmed;
  ::setenv("XDG_CACHE_HOME", cache_home.path.c_str(), 1);
  if (sender == 0)
    ::setenv("IVYCTL_MATCHER", "pcre", 1);
  else
    ::unsetenv("IVYCTL_MATCHER");

  const auto port = free_bus_port();
  const std::string bus = "127.255.255.255:" + std::to_string(port);
  test::TempDir dir;
  Receivers receivers(port);
  std::vector<std::string> argv =
      sender == 2
          ? std::vector<std::string>{ivyprobe, "-b", bus, "-n", "SENDER"}
          : std::vector<std::string>{test::bin_path("ivyctl"), "probe", "-b", bus, "-n", "SENDER"};
  test::ChildProcess probe(argv, dir.file("out"), dir.file("err"), test::PipeStdin{});
  if (!test::eventually([&] { return receivers.both_linked_to("SENDER"); }, 20s)) {
    return state.SkipWithError("the receivers did not link with the sender");
  }
  // The sender has the receivers' subscriptions once they have its handshake
  // answered; a moment more for it to load the set from the cache (~0.1 s).
  std::this_thread::sleep_for(2s);

  const auto lines = test::IvyTrafficGenerator::throughput_messages(kPatterns, kUnmatched);
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  const std::uint64_t per_flood = expected_frames(lines);
  std::vector<double> seconds;
  std::uint64_t delivered = 0;
  for (auto _ : state) {
    const std::uint64_t before = receivers.frames();
    const auto start = Clock::now();
    probe.write_text(text);
    // All frames, or (a sender that drops lines) nothing new for 5 s.
    std::uint64_t seen = before;
    auto quiet_since = Clock::now();
    while (receivers.frames() - before < per_flood && Clock::now() - quiet_since < 5s) {
      std::this_thread::sleep_for(200us);
      if (receivers.frames() != seen) {
        seen = receivers.frames();
        quiet_since = Clock::now();
      }
    }
    delivered += receivers.frames() - before;
    seconds.push_back(std::chrono::duration<double>(receivers.last_frame() - start).count());
    state.SetIterationTime(seconds.back());
  }
  probe.close_stdin();
  probe.wait_for(5s);
  state.counters["median_s"] = median(seconds);
  state.counters["frames_expected"] = static_cast<double>(per_flood);
  state.counters["frames_delivered"] =
      static_cast<double>(delivered) / static_cast<double>(seconds.size());
  state.counters["lines"] = static_cast<double>(lines.size());
}
BENCHMARK(BM_FromTheBus)
    ->ArgName("sender")
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->Iterations(5)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// --- ping round trip ----------------------------------------------------------

// A blocking TCP client that speaks just enough Ivy for PING/PONG.
class Pinger {
 public:
  explicit Pinger(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    const int on = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  }
  ~Pinger() { ::close(fd_); }
  bool ok() const { return ok_; }
  // Sends our handshake and reads the peer's up to its END_REGEXP.
  bool handshake() {
    const std::string hello =
        "6 1\x02"
        "BENCHPINGER\n5 0\x02\n";
    return ok_ && ::write(fd_, hello.data(), hello.size()) == static_cast<ssize_t>(hello.size()) &&
           read_until("5 0\x02\n");
  }
  // One PING, its PONG; the round trip in µs, or a negative number on error.
  double ping() {
    const std::string ping = "9 " + std::to_string(++id_) + "\x02\n";
    const auto start = Clock::now();
    if (::write(fd_, ping.data(), ping.size()) != static_cast<ssize_t>(ping.size())) return -1;
    if (!read_until("10 " + std::to_string(id_) + "\x02\n")) return -1;
    return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
  }

 private:
  bool read_until(const std::string& end) {
    for (;;) {
      const auto at = buffer_.find(end);
      if (at != std::string::npos) {
        buffer_.erase(0, at + end.size());
        return true;
      }
      char chunk[4096];
      const ssize_t n = ::read(fd_, chunk, sizeof chunk);
      if (n <= 0) return false;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }
  int fd_;
  bool ok_ = false;
  int id_ = 0;
  std::string buffer_;
};

// The floor: a child process answering PING with PONG from a select() loop,
// as ivy-c's does, and nothing else. Returns its pid and port.
std::pair<pid_t, std::uint16_t> start_minimal_responder() {
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::listen(listener, 1);
  socklen_t len = sizeof a;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len);
  const pid_t pid = ::fork();
  if (pid != 0) {
    ::close(listener);
    return {pid, ntohs(a.sin_port)};
  }
  const int fd = ::accept(listener, nullptr, nullptr);
  const int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  ::write(fd, "5 0\x02\n", 5);  // an empty handshake
  std::string pending;
  char chunk[4096];
  for (;;) {
    fd_set readable;
    FD_ZERO(&readable);
    FD_SET(fd, &readable);
    if (::select(fd + 1, &readable, nullptr, nullptr, nullptr) <= 0) ::_exit(0);
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) ::_exit(0);
    pending.append(chunk, static_cast<std::size_t>(n));
    for (std::size_t lf; (lf = pending.find('\n')) != std::string::npos; pending.erase(0, lf + 1)) {
      if (pending.compare(0, 2, "9 ") != 0) continue;
      const std::string pong = "10 " + pending.substr(2, lf - 2) + "\n";
      ::write(fd, pong.data(), pong.size());
    }
  }
}

// The TCP port an agent announces on the bus: "3 <port> <app-id> <name>".
std::optional<std::uint16_t> announced_port(int udp_fd) {
  char datagram[512];
  for (int tries = 0; tries < 50; ++tries) {
    const ssize_t n = ::recv(udp_fd, datagram, sizeof datagram - 1, 0);
    if (n <= 0) return std::nullopt;
    datagram[n] = 0;
    unsigned type = 0;
    unsigned port = 0;
    if (std::sscanf(datagram, "%u %u", &type, &port) == 2 && type == 3)
      return static_cast<std::uint16_t>(port);
  }
  return std::nullopt;
}

// A bus listener opened before the agent starts, so its announcement is heard.
int bus_listener(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on);
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  return fd;
}

// An agent program on its own bus, and our connection to it.
struct PingTarget {
  PingTarget(const std::vector<std::string>& argv_without_bus, const test::TempDir& dir,
             const std::string& name) {
    const auto port = free_bus_port();
    const int udp = bus_listener(port);
    auto argv = argv_without_bus;
    argv.insert(argv.end(), {"-b", "127.255.255.255:" + std::to_string(port)});
    process = std::make_unique<test::ChildProcess>(argv, dir.file(name + ".out"),
                                                   dir.file(name + ".err"), test::PipeStdin{});
    const auto tcp = announced_port(udp);
    ::close(udp);
    if (tcp) pinger = std::make_unique<Pinger>(*tcp);
    ready = pinger && pinger->handshake();
  }
  std::unique_ptr<test::ChildProcess> process;
  std::unique_ptr<Pinger> pinger;
  bool ready = false;
};

void BM_PingRoundTrip(benchmark::State& state) {
  const auto gap = std::chrono::milliseconds(state.range(0));
  test::TempDir dir;
  ::setenv("XDG_CACHE_HOME", dir.path.c_str(), 1);
  ::unsetenv("IVYCTL_MATCHER");
  PingTarget probe({test::bin_path("ivyctl"), "probe", "-n", "PROBE"}, dir, "probe");
  const auto [responder_pid, responder_port] = start_minimal_responder();
  Pinger floor(responder_port);
  std::unique_ptr<PingTarget> ivyprobe;
  if (const char* path = std::getenv("IVYD_BENCH_IVYPROBE"); path && *path) {
    ivyprobe = std::make_unique<PingTarget>(std::vector<std::string>{path, "-n", "IVYPROBE"}, dir,
                                            "ivyprobe");
  }
  if (!probe.ready || !floor.handshake() || (ivyprobe && !ivyprobe->ready)) {
    ::kill(responder_pid, SIGKILL);
    ::waitpid(responder_pid, nullptr, 0);
    return state.SkipWithError("a ping target did not come up");
  }
  std::vector<double> ours, minimal, ivyc;
  for (auto _ : state) {
    std::this_thread::sleep_for(gap);
    ours.push_back(probe.pinger->ping());
    std::this_thread::sleep_for(gap);
    minimal.push_back(floor.ping());
    if (ivyprobe) {
      std::this_thread::sleep_for(gap);
      ivyc.push_back(ivyprobe->pinger->ping());
    }
  }
  ::kill(responder_pid, SIGKILL);
  ::waitpid(responder_pid, nullptr, 0);
  state.counters["probe_median_us"] = median(ours);
  state.counters["floor_median_us"] = median(minimal);
  state.counters["probe_vs_floor"] = median(ours) / median(minimal);
  if (!ivyc.empty()) {
    state.counters["ivyprobe_median_us"] = median(ivyc);
    state.counters["probe_vs_ivyprobe"] = median(ours) / median(ivyc);
  }
}
BENCHMARK(BM_PingRoundTrip)
    ->ArgName("gap_ms")
    ->Arg(0)
    ->Arg(2)
    ->Iterations(2000)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace ivy::daemon

BENCHMARK_MAIN();
