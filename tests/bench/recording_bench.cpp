// End-to-end recording benchmark (issue 6): the real ivyd records a loopback
// bus while 10 in-process agents send as fast as ivyd absorbs. Reports the
// send rate, messages recorded / messages sent (must be 1.0), the recorder's
// peak queue depth and ivyd's peak RSS.
//
//   build/bin/recording_bench [--benchmark_filter=...]
//
// Only 127.0.0.0/8 is used; the bus port is the first free one from 29500.
#include <benchmark/benchmark.h>

#include "tests/bench/recording_bench_support.hpp"

namespace ivy::daemon::bench {
namespace {

void BM_RecordTenSenders(benchmark::State& state) {
  const int kSenders = 10;
  const int per_sender = static_cast<int>(state.range(0));
  for (auto _ : state) {
    RecordingIvyd ivyd(29500);
    asio::io_context io;
    Logger log(LogLevel::kError, Logger::Style::kPlain);
    SenderPool senders(io, log, "S", kSenders, ivyd.port());

    const std::string payload(60, 'x');
    const auto t0 = std::chrono::steady_clock::now();
    std::uint64_t sent = 0;
    for (int n = 0; n < per_sender; ++n) {
      for (int i = 0; i < kSenders; ++i) {
        sent += *senders.agents[i]->send("bench " + std::to_string(i) + " " + std::to_string(n) + " " + payload);
      }
      // As fast as ivyd reads: keep each sender's queue short, never drop.
      for (;;) {
        io.poll();
        std::size_t queued = 0;
        for (auto& s : senders.agents) {
          for (const auto& p : s->peers()) queued = std::max(queued, p.queued_bytes);
        }
        if (queued < 256 * 1024) break;
      }
    }
    const auto last = ivyd.wait_written(io, static_cast<std::uint64_t>(kSenders) * per_sender, std::chrono::seconds(60));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const long rss_kb = proc_status_kb(ivyd.pid(), "VmHWM:");
    const long long recorded = ivyd.stop_and_count("bench ");

    state.counters["sent"] = static_cast<double>(sent);
    state.counters["recorded_over_sent"] = sent ? static_cast<double>(recorded) / static_cast<double>(sent) : 0;
    state.counters["msgs_per_s"] = static_cast<double>(sent) / seconds;
    state.counters["sender_drops"] = static_cast<double>(senders.dropped());
    state.counters["peak_queue"] = last.is_object() ? last["recorder"].value("peak_queued", 0.0) : -1;
    state.counters["ivyd_peak_rss_MB"] = static_cast<double>(rss_kb) / 1024.0;
  }
}
BENCHMARK(BM_RecordTenSenders)->Arg(20000)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

}  // namespace
}  // namespace ivy::daemon::bench

BENCHMARK_MAIN();
