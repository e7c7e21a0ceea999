// Soak (reliability issue): the real ivyd records a loopback bus while 50
// in-process agents each send 1,000 msg/s for 60 s (50,000 msg/s in all,
// paced in 10 ms slices). Reports messages recorded / sent (must be 1.0),
// ivyd's peak RSS, its CPU time per 1,000 msg/s, and the recorder's peak
// queue. Bounded: it stops by itself after the run plus a drain of at most
// 60 s. Only 127.0.0.0/8 is used.
//
//   build/bin/soak_bench                      # 50 agents x 1,000 msg/s x 60 s
//   build/bin/soak_bench --benchmark_filter=/5/   # a 5 s smoke run
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/bus_spec.hpp"
#include "core/pcre_matcher.hpp"
#include "daemon/agent.hpp"
#include "tests/daemon/process_support.hpp"

namespace ivy::daemon {
namespace {

using Clock = std::chrono::steady_clock;
using ivy::test::bin_path;
using ivy::test::ChildProcess;
using ivy::test::run_command;
using ivy::test::TempDir;

std::uint16_t free_udp_port(std::uint16_t from) {
  asio::io_context io;
  for (std::uint16_t port = from; port < from + 500; ++port) {
    udp::socket s(io);
    error_code ec;
    s.open(udp::v4(), ec);
    if (!ec) s.bind(udp::endpoint(asio::ip::address_v4::any(), port), ec);
    if (!ec) return port;
  }
  return from;
}

long proc_status_kb(pid_t pid, const char* field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::strlen(field)));
  }
  return 0;
}

// utime + stime of a process, in seconds.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(content.substr(content.rfind(')') + 2));
  std::string f;
  unsigned long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14) utime = std::stoul(f);
    if (i == 15) stime = std::stoul(f);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

long long count_recorded(const std::string& db) {
  sqlite3* handle = nullptr;
  long long n = -1;
  if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(handle, "SELECT count(*) FROM message WHERE text LIKE 'soak %'", -1, &stmt, nullptr) ==
            SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      n = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(handle);
  return n;
}

void BM_Soak(benchmark::State& state) {
  const int agents = static_cast<int>(state.range(0));
  const int rate_per_agent = static_cast<int>(state.range(1));
  const auto duration = std::chrono::seconds(state.range(2));
  for (auto _ : state) {
    TempDir dir;
    const auto port = free_udp_port(29800);
    {
      std::ofstream cfg(dir.file("ivyd.json"));
      cfg << R"({"buses": [{"spec": "127.255.255.255:)" << port << R"("}], "recorder": {"path": ")"
          << dir.file("rec.db") << R"("}, "status": {"path": ")" << dir.file("s.sock")
          << R"(", "group": ""}, "logging": {"level": "warning"}})";
    }
    ChildProcess ivyd({bin_path("ivyd"), "--config", dir.file("ivyd.json")}, dir.file("out"), dir.file("err"));
    ivy::test::eventually([&] { return std::filesystem::exists(dir.file("s.sock")); });

    asio::io_context io;
    Logger log(LogLevel::kError, Logger::Style::kPlain);
    std::vector<std::unique_ptr<Agent>> senders;
    for (int i = 0; i < agents; ++i) {
      AgentOptions o;
      o.name = "SOAK" + std::to_string(i);
      o.bus = *parse_bus_spec("127.255.255.255:" + std::to_string(port));
      senders.push_back(std::make_unique<Agent>(io, o, std::make_unique<PcreMatcher>(), log));
      (void)senders.back()->start();
    }
    const auto ready_deadline = Clock::now() + std::chrono::seconds(20);
    auto all_ready = [&] {
      for (auto& s : senders) {
        if (s->matcher().subscription_count() < 1) return false;
      }
      return true;
    };
    while (!all_ready() && Clock::now() < ready_deadline) io.run_for(std::chrono::milliseconds(5));

    // Paced: every 10 ms slice, each agent sends its share of the slice.
    const std::string payload(40, 'p');
    const double cpu0 = cpu_seconds(ivyd.pid());
    const auto t0 = Clock::now();
    std::uint64_t sent = 0;
    std::vector<std::uint64_t> seq(agents, 0);
    long peak_rss_kb = 0;
    for (auto slice = t0; slice < t0 + duration; slice += std::chrono::milliseconds(10)) {
      const auto elapsed = std::chrono::duration<double>(slice + std::chrono::milliseconds(10) - t0).count();
      const auto due = static_cast<std::uint64_t>(elapsed * rate_per_agent);
      for (int i = 0; i < agents; ++i) {
        for (; seq[i] < due; ++seq[i]) {
          sent += *senders[i]->send("soak " + std::to_string(i) + " " + std::to_string(seq[i]) + " " + payload);
        }
      }
      io.run_until(slice + std::chrono::milliseconds(10));
      if ((seq[0] % 1000) == 0) peak_rss_kb = std::max(peak_rss_kb, proc_status_kb(ivyd.pid(), "VmRSS:"));
    }
    const double send_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    const double cpu_during = cpu_seconds(ivyd.pid()) - cpu0;
    // Drain: until ivyd has written everything (bounded).
    nlohmann::json last;
    const auto drain_deadline = Clock::now() + std::chrono::seconds(60);
    while (Clock::now() < drain_deadline) {
      io.run_for(std::chrono::milliseconds(100));
      std::string out;
      run_command({bin_path("ivyctl"), "status", "--json", "--socket", dir.file("s.sock")}, &out);
      last = nlohmann::json::parse(out, nullptr, false);
      if (last.is_object() && last["recorder"].value("written", 0ULL) >= sent) break;
    }
    peak_rss_kb = std::max(peak_rss_kb, proc_status_kb(ivyd.pid(), "VmHWM:"));
    ivyd.signal(SIGTERM);
    ivyd.wait_for(std::chrono::seconds(15));
    const long long recorded = count_recorded(dir.file("rec.db"));
    std::uint64_t dropped = 0;
    for (auto& s : senders) dropped += s->counters().frames_dropped;

    const double rate = static_cast<double>(sent) / send_seconds;
    state.counters["sent"] = static_cast<double>(sent);
    state.counters["msgs_per_s"] = rate;
    state.counters["recorded_over_sent"] = sent ? static_cast<double>(recorded) / static_cast<double>(sent) : 0;
    state.counters["sender_drops"] = static_cast<double>(dropped);
    state.counters["ivyd_peak_rss_MB"] = static_cast<double>(peak_rss_kb) / 1024.0;
    state.counters["ivyd_cpu_pct_per_1k_msgs"] = 100.0 * cpu_during / send_seconds / (rate / 1000.0);
    state.counters["peak_queue"] = last.is_object() ? last["recorder"].value("peak_queued", 0.0) : -1;
  }
}
// agents, msg/s per agent, seconds
BENCHMARK(BM_Soak)->Args({50, 1000, 60})->Args({50, 1000, 5})->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

}  // namespace
}  // namespace ivy::daemon

BENCHMARK_MAIN();
