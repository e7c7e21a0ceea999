// End-to-end recording benchmark (issue 6): the real ivyd records a loopback
// bus while 10 in-process agents send as fast as ivyd absorbs. Reports the
// send rate, messages recorded / messages sent (must be 1.0), the recorder's
// peak queue depth and ivyd's peak RSS.
//
//   build/bin/recording_bench [--benchmark_filter=...]
//
// Only 127.0.0.0/8 is used; the bus port is the first free one from 29500.
#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/bus_spec.hpp"
#include "core/pcre_matcher.hpp"
#include "daemon/agent.hpp"
#include "tests/daemon/process_support.hpp"

namespace ivy::daemon {
namespace {

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

long vm_hwm_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

nlohmann::json status(const TempDir& dir) {
  std::string out;
  run_command({bin_path("ivyctl"), "status", "--json", "--socket", dir.file("s.sock")}, &out);
  return nlohmann::json::parse(out, nullptr, false);
}

long long count_recorded(const std::string& db) {
  sqlite3* handle = nullptr;
  long long n = -1;
  if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(handle, "SELECT count(*) FROM message WHERE text LIKE 'bench %'", -1, &stmt, nullptr) ==
            SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      n = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(handle);
  return n;
}

void BM_RecordTenSenders(benchmark::State& state) {
  const int kSenders = 10;
  const int per_sender = static_cast<int>(state.range(0));
  for (auto _ : state) {
    TempDir dir;
    const auto port = free_udp_port(29500);
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
    for (int i = 0; i < kSenders; ++i) {
      AgentOptions o;
      o.name = "S" + std::to_string(i);
      o.bus = *parse_bus_spec("127.255.255.255:" + std::to_string(port));
      senders.push_back(std::make_unique<Agent>(io, o, std::make_unique<PcreMatcher>(), log));
      (void)senders.back()->start();
    }
    // Every sender must hold ivyd's "(.*)" before sending.
    const auto ready_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    auto all_ready = [&] {
      for (auto& s : senders) {
        if (s->matcher().subscription_count() < 1) return false;
      }
      return true;
    };
    while (!all_ready() && std::chrono::steady_clock::now() < ready_deadline) io.run_for(std::chrono::milliseconds(5));

    const std::string payload(60, 'x');
    const auto t0 = std::chrono::steady_clock::now();
    std::uint64_t sent = 0;
    for (int n = 0; n < per_sender; ++n) {
      for (int i = 0; i < kSenders; ++i) {
        sent += *senders[i]->send("bench " + std::to_string(i) + " " + std::to_string(n) + " " + payload);
      }
      // As fast as ivyd reads: keep each sender's queue short, never drop.
      for (;;) {
        io.poll();
        std::size_t queued = 0;
        for (auto& s : senders) {
          for (const auto& p : s->peers()) queued = std::max(queued, p.queued_bytes);
        }
        if (queued < 256 * 1024) break;
      }
    }
    const auto total = static_cast<long long>(kSenders) * per_sender;
    long long written = 0;
    nlohmann::json last;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      io.run_for(std::chrono::milliseconds(50));
      last = status(dir);
      if (last.is_object()) written = last["recorder"].value("written", 0LL);
      if (written >= total) break;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const long rss_kb = vm_hwm_kb(ivyd.pid());
    ivyd.signal(SIGTERM);
    ivyd.wait_for(std::chrono::seconds(10));
    const long long recorded = count_recorded(dir.file("rec.db"));
    std::uint64_t dropped = 0;
    for (auto& s : senders) dropped += s->counters().frames_dropped;

    state.counters["sent"] = static_cast<double>(sent);
    state.counters["recorded_over_sent"] = sent ? static_cast<double>(recorded) / static_cast<double>(sent) : 0;
    state.counters["msgs_per_s"] = static_cast<double>(sent) / seconds;
    state.counters["sender_drops"] = static_cast<double>(dropped);
    state.counters["peak_queue"] = last.is_object() ? last["recorder"].value("peak_queued", 0.0) : -1;
    state.counters["ivyd_peak_rss_MB"] = static_cast<double>(rss_kb) / 1024.0;
  }
}
BENCHMARK(BM_RecordTenSenders)->Arg(20000)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

}  // namespace
}  // namespace ivy::daemon

BENCHMARK_MAIN();
