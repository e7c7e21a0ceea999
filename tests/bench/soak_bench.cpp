// Soak (reliability issue): the real ivyd records a loopback bus while 50
// in-process agents each send 1,000 msg/s for 60 s (50,000 msg/s in all,
// paced in 10 ms slices). Reports messages recorded / sent (must be 1.0),
// ivyd's peak RSS, its CPU time per 1,000 msg/s, and the recorder's peak
// queue. Bounded: it stops by itself after the run plus a drain of at most
// 60 s. Only 127.0.0.0/8 is used.
//
// BM_SoakCentral is the same soak with ivyd also shipping to a central
// PostgreSQL (issue 15; a throwaway server started here, fsync on): it adds
// the peak and final central backlog (rows recorded but not yet shipped,
// sampled once a second from the status socket), the rows shipped over
// the rows recorded once the backlog drained, how long the drain took, and
// ivyd's CPU and peak RSS with its shipper thread (PostgreSQL's own CPU is
// not counted).
//
//   build/bin/soak_bench                      # 50 agents x 1,000 msg/s x 60 s, both
//   build/bin/soak_bench --benchmark_filter=/5/   # a 5 s smoke run
#include <benchmark/benchmark.h>

#include <algorithm>

#include "tests/bench/recording_bench_support.hpp"
#include "tests/storage/pg_test_server.hpp"

namespace ivy::daemon::bench {
namespace {

using Clock = std::chrono::steady_clock;

void BM_Soak(benchmark::State& state) {
  const int agents = static_cast<int>(state.range(0));
  const int rate_per_agent = static_cast<int>(state.range(1));
  const auto duration = std::chrono::seconds(state.range(2));
  for (auto _ : state) {
    RecordingIvyd ivyd(29800);
    asio::io_context io;
    Logger log(LogLevel::kError, Logger::Style::kPlain);
    SenderPool senders(io, log, "SOAK", agents, ivyd.port());

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
          sent += *senders.agents[i]->send("soak " + std::to_string(i) + " " + std::to_string(seq[i]) + " " + payload);
        }
      }
      io.run_until(slice + std::chrono::milliseconds(10));
      if ((seq[0] % 1000) == 0) peak_rss_kb = std::max(peak_rss_kb, proc_status_kb(ivyd.pid(), "VmRSS:"));
    }
    const double send_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    const double cpu_during = cpu_seconds(ivyd.pid()) - cpu0;
    const auto last = ivyd.wait_written(io, sent, std::chrono::seconds(60));  // drain, bounded
    peak_rss_kb = std::max(peak_rss_kb, proc_status_kb(ivyd.pid(), "VmHWM:"));
    const long long recorded = ivyd.stop_and_count("soak ");

    const double rate = static_cast<double>(sent) / send_seconds;
    state.counters["sent"] = static_cast<double>(sent);
    state.counters["msgs_per_s"] = rate;
    state.counters["recorded_over_sent"] = sent ? static_cast<double>(recorded) / static_cast<double>(sent) : 0;
    state.counters["sender_drops"] = static_cast<double>(senders.dropped());
    state.counters["ivyd_peak_rss_MB"] = static_cast<double>(peak_rss_kb) / 1024.0;
    state.counters["ivyd_cpu_pct_per_1k_msgs"] = 100.0 * cpu_during / send_seconds / (rate / 1000.0);
    state.counters["peak_queue"] = last.is_object() ? last["recorder"].value("peak_queued", 0.0) : -1;
  }
}
// The central store's backlog now (rows not yet shipped); -1 if unknown.
long long central_backlog(const nlohmann::json& status) {
  if (!status.is_object() || !status.contains("central")) return -1;
  const auto& b = status["central"]["backlog_rows"];
  return b.is_number() ? b.get<long long>() : -1;
}

void BM_SoakCentral(benchmark::State& state) {
  const int agents = static_cast<int>(state.range(0));
  const int rate_per_agent = static_cast<int>(state.range(1));
  const auto duration = std::chrono::seconds(state.range(2));
  ::setenv("IVYD_PG_FSYNC", "on", 1);
  auto server = storage::testing::PgTestServer::start_private();
  for (auto _ : state) {
    storage::testing::PgTestDatabase db(*server);
    RecordingIvyd ivyd(29900, R"("central": {"url": ")" + db.url() + R"(", "site": "soak"})");
    asio::io_context io;
    Logger log(LogLevel::kError, Logger::Style::kPlain);
    SenderPool senders(io, log, "SOAK", agents, ivyd.port());
    const std::string payload(40, 'p');
    const double cpu0 = cpu_seconds(ivyd.pid());
    const auto t0 = Clock::now();
    auto next_sample = t0 + std::chrono::seconds(1);
    std::uint64_t sent = 0;
    long long peak_backlog = 0;
    std::vector<std::uint64_t> seq(agents, 0);
    for (auto slice = t0; slice < t0 + duration; slice += std::chrono::milliseconds(10)) {
      const auto elapsed = std::chrono::duration<double>(slice + std::chrono::milliseconds(10) - t0).count();
      const auto due = static_cast<std::uint64_t>(elapsed * rate_per_agent);
      for (int i = 0; i < agents; ++i) {
        for (; seq[i] < due; ++seq[i]) {
          sent += *senders.agents[i]->send("soak " + std::to_string(i) + " " + std::to_string(seq[i]) + " " + payload);
        }
      }
      io.run_until(slice + std::chrono::milliseconds(10));
      if (Clock::now() >= next_sample) {
        peak_backlog = std::max(peak_backlog, central_backlog(ivyd.status()));
        next_sample += std::chrono::seconds(1);
      }
    }
    const double send_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    const double cpu_during = cpu_seconds(ivyd.pid()) - cpu0;
    const auto end_of_sending = Clock::now();
    const long long backlog_at_end = central_backlog(ivyd.status());
    (void)ivyd.wait_written(io, sent, std::chrono::seconds(60));
    // Drained once the store has every message the recording has (the
    // status backlog is as of the shipper's last look, up to a second old).
    const long long recorded_now = ivyd.count("soak ");
    const auto drain_deadline = Clock::now() + std::chrono::seconds(120);
    while (Clock::now() < drain_deadline) {
      if (db.count("SELECT count(*) FROM messages WHERE text LIKE 'soak %'") >= recorded_now) break;
      io.run_for(std::chrono::milliseconds(100));
    }
    const double drain_seconds = std::chrono::duration<double>(Clock::now() - end_of_sending).count();
    const long peak_rss_kb = proc_status_kb(ivyd.pid(), "VmHWM:");
    const long long recorded = ivyd.stop_and_count("soak ");
    const long long shipped = db.count("SELECT count(*) FROM messages WHERE text LIKE 'soak %'");
    state.counters["sent"] = static_cast<double>(sent);
    state.counters["msgs_per_s"] = static_cast<double>(sent) / send_seconds;
    state.counters["recorded_over_sent"] = sent ? static_cast<double>(recorded) / static_cast<double>(sent) : 0;
    state.counters["shipped_over_recorded"] = recorded > 0 ? static_cast<double>(shipped) / static_cast<double>(recorded) : 0;
    state.counters["peak_backlog_rows"] = static_cast<double>(peak_backlog);
    state.counters["backlog_at_end"] = static_cast<double>(backlog_at_end);
    state.counters["drain_s"] = drain_seconds;
    const double rate = static_cast<double>(sent) / send_seconds;
    state.counters["ivyd_cpu_pct_per_1k_msgs"] = 100.0 * cpu_during / send_seconds / (rate / 1000.0);
    state.counters["ivyd_peak_rss_MB"] = static_cast<double>(peak_rss_kb) / 1024.0;
  }
}

// agents, msg/s per agent, seconds
BENCHMARK(BM_Soak)->Args({50, 1000, 60})->Args({50, 1000, 5})->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
BENCHMARK(BM_SoakCentral)->Args({50, 1000, 60})->Args({50, 1000, 5})->Iterations(1)->Unit(benchmark::kSecond)
    ->UseRealTime();

}  // namespace
}  // namespace ivy::daemon::bench

BENCHMARK_MAIN();
