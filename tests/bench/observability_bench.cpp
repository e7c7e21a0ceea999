// observability_bench (issue 18): what "who gets this?" and the Prometheus
// endpoint cost the bus, as ratios against a baseline of the same run.
//
//   WhoGets/N        one who-gets answer for a text nobody receives, on the
//                    io thread: the match (HyperscanMatcher, as ivyd) plus
//                    closest_patterns over the N patterns; baseline: one
//                    send's match of the same text (Hyperscan), and the
//                    PCRE2 loop over the same N patterns.
//   Recording/metrics  the real ivyd recording 5 senders x 40,000 messages,
//                    with the endpoint off, on (per_peer) but not scraped,
//                    and on while a scraper GETs /metrics every 50 ms (a
//                    stress: Prometheus scrapes every 15-60 s): ivyd's CPU
//                    per message (all its threads) and messages/s, the best
//                    of 3 runs each, ratios to off.
//
// Per-thread CPU time for the in-process figures (the 2-core VM is shared);
// the end-to-end ones are wall time, one run each: compare within a run.
//
//   build/bin/observability_bench
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <thread>

#include <benchmark/benchmark.h>

#include "core/closest_patterns.hpp"
#include "core/hs_matcher.hpp"
#include "core/pcre_matcher.hpp"
#include "tests/bench/recording_bench_support.hpp"
#include "tests/core/ivy_traffic_generator.hpp"
#include "tests/daemon/metrics_scrape.hpp"

namespace ivy {
namespace {

double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// N air-traffic subscriptions, in both matchers, and texts nobody receives.
struct Bus {
  explicit Bus(int n) {
    test::IvyTrafficGenerator generator;
    for (const auto& s : generator.subscriptions(n, 50, test::TrafficProfile::kAirTraffic)) {
      (void)pcre.add(s.peer, s.regexp_id, s.pattern);
      (void)hyperscan.add(s.peer, s.regexp_id, s.pattern);
      patterns.push_back(s.pattern);
    }
    hyperscan.flush();
    std::vector<Hit> hits;
    while (misses.size() < 64) {
      const std::string text = generator.message(n, test::TrafficProfile::kAirTraffic);
      hits.clear();
      if (!text.empty() && pcre.match(text, CaptureMode::kAllGroups, hits) == 0) misses.push_back(text);
    }
  }
  PcreMatcher pcre{JitMode::kInterpreter};
  HyperscanMatcher hyperscan;
  std::vector<std::string> patterns;
  std::vector<std::string> misses;
};

Bus& bus(int n) {
  static std::map<int, std::unique_ptr<Bus>> buses;
  auto& b = buses[n];
  if (!b) b = std::make_unique<Bus>(n);
  return *b;
}

struct WhoGetsFigures {
  double who_gets_us = 0, send_match_us = 0, pcre_loop_us = 0, close_found = 0;
};
std::map<int, WhoGetsFigures>& figures() {
  static std::map<int, WhoGetsFigures> f;
  return f;
}

// Microseconds of this thread's CPU per call of `one(i)`.
template <class F>
double per_call_us(benchmark::State& state, F one) {
  std::size_t i = 0;
  const double start = thread_cpu_seconds();
  for (auto _ : state) benchmark::DoNotOptimize(one(i++));
  return (thread_cpu_seconds() - start) * 1e6 / static_cast<double>(state.iterations());
}

void BM_WhoGets(benchmark::State& state) {
  Bus& b = bus(static_cast<int>(state.range(0)));
  std::vector<Hit> hits;
  std::size_t found = 0;
  const double us = per_call_us(state, [&](std::size_t i) {
    const auto& text = b.misses[i % b.misses.size()];
    hits.clear();
    b.hyperscan.match(text, CaptureMode::kAllGroups, hits);
    const auto close = closest_patterns(text, b.patterns);
    found += close.size();
    return close.size();
  });
  figures()[static_cast<int>(state.range(0))].who_gets_us = us;
  figures()[static_cast<int>(state.range(0))].close_found =
      static_cast<double>(found) / static_cast<double>(state.iterations());
}

void BM_SendMatch(benchmark::State& state) {
  Bus& b = bus(static_cast<int>(state.range(0)));
  std::vector<Hit> hits;
  figures()[static_cast<int>(state.range(0))].send_match_us = per_call_us(state, [&](std::size_t i) {
    hits.clear();
    return b.hyperscan.match(b.misses[i % b.misses.size()], CaptureMode::kAllGroups, hits);
  });
}

void BM_PcreLoop(benchmark::State& state) {
  Bus& b = bus(static_cast<int>(state.range(0)));
  std::vector<Hit> hits;
  figures()[static_cast<int>(state.range(0))].pcre_loop_us = per_call_us(state, [&](std::size_t i) {
    hits.clear();
    return b.pcre.match(b.misses[i % b.misses.size()], CaptureMode::kAllGroups, hits);
  });
}

void sizes(benchmark::internal::Benchmark* b) {
  for (int n : {100, 1'000, 3'000}) b->Arg(n);
  b->MinTime(0.5)->Unit(benchmark::kMicrosecond);
}
BENCHMARK(BM_SendMatch)->Name("SendMatchHyperscan")->Apply(sizes);
BENCHMARK(BM_PcreLoop)->Name("PcreLoop")->Apply(sizes);
BENCHMARK(BM_WhoGets)->Name("WhoGetsNobody")->Apply(sizes);

// --- the endpoint on the message path -------------------------------------

// ivyd's CPU (all its threads, civetweb's included) per message recorded, in
// microseconds: less sensitive to the other loads of a shared machine than
// the rate. The least of the repetitions.
struct RecordingFigures {
  double off = 1e9, on_idle = 1e9, on = 1e9, scrapes = 0;
};
RecordingFigures& recording() {
  static RecordingFigures r;
  return r;
}

struct Run {
  double msgs_per_s = 0;
  double ivyd_cpu_us_per_msg = 0;
};

// Sends 5 x `per_sender` messages through a recording ivyd.
Run record(daemon::bench::RecordingIvyd& ivyd, int per_sender) {
  using namespace daemon;
  asio::io_context io;
  Logger log(LogLevel::kError, Logger::Style::kPlain);
  bench::SenderPool senders(io, log, "S", 5, ivyd.port());
  const double cpu0 = bench::cpu_seconds(ivyd.pid());
  const auto t0 = std::chrono::steady_clock::now();
  std::uint64_t sent = 0;
  for (int n = 0; n < per_sender; ++n) {
    for (std::size_t i = 0; i < senders.agents.size(); ++i) {
      sent += *senders.agents[i]->send("bench " + std::to_string(i) + " " + std::to_string(n) + " payload");
    }
    for (;;) {  // as fast as ivyd reads, never dropping
      io.poll();
      std::size_t queued = 0;
      for (auto& s : senders.agents) {
        for (const auto& p : s->peers()) queued = std::max(queued, p.queued_bytes);
      }
      if (queued < 256 * 1024) break;
    }
  }
  ivyd.wait_written(io, sent, std::chrono::seconds(60));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = bench::cpu_seconds(ivyd.pid()) - cpu0;
  return {static_cast<double>(sent) / seconds, cpu * 1e6 / static_cast<double>(sent)};
}

void report(benchmark::State& state, const Run& run, double& least) {
  least = std::min(least, run.ivyd_cpu_us_per_msg);
  state.counters["msgs_per_s"] = run.msgs_per_s;
  state.counters["ivyd_cpu_us_per_msg"] = run.ivyd_cpu_us_per_msg;
}

void BM_RecordingMetricsOff(benchmark::State& state) {
  for (auto _ : state) {
    daemon::bench::RecordingIvyd ivyd(29700);
    report(state, record(ivyd, static_cast<int>(state.range(0))), recording().off);
  }
}

void BM_RecordingMetricsOnNotScraped(benchmark::State& state) {
  for (auto _ : state) {
    daemon::bench::RecordingIvyd ivyd(29700, R"("metrics": {"listen": "127.0.0.1:0", "per_peer": true})");
    report(state, record(ivyd, static_cast<int>(state.range(0))), recording().on_idle);
  }
}

void BM_RecordingMetricsOnScraped(benchmark::State& state) {
  for (auto _ : state) {
    daemon::bench::RecordingIvyd ivyd(29700, R"("metrics": {"listen": "127.0.0.1:0", "per_peer": true})");
    const std::string address = ivyd.status()["metrics"].value("address", "");
    std::atomic<bool> done{false};
    std::atomic<int> scrapes{0};
    std::thread scraper([&] {
      while (!done) {
        scrapes += daemon::test::scrape_metrics(address).has_value();
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
    const Run run = record(ivyd, static_cast<int>(state.range(0)));
    done = true;
    scraper.join();
    if (run.ivyd_cpu_us_per_msg < recording().on) recording().scrapes = scrapes;
    report(state, run, recording().on);
    state.counters["scrapes"] = scrapes.load();
  }
}
// Three runs of each, the best kept: the shared machine's noise is larger
// than what is measured.
void recording_runs(benchmark::internal::Benchmark* b) {
  b->Arg(40'000)->Iterations(1)->Repetitions(3)->Unit(benchmark::kSecond)->UseRealTime();
}
BENCHMARK(BM_RecordingMetricsOff)->Apply(recording_runs);
BENCHMARK(BM_RecordingMetricsOnNotScraped)->Apply(recording_runs);
BENCHMARK(BM_RecordingMetricsOnScraped)->Apply(recording_runs);

void print_summary() {
  std::printf("\n| N patterns | send match (Hyperscan) us | PCRE2 loop us | who-gets, nobody receives, us "
              "| close patterns found | who-gets / send | who-gets / PCRE2 loop |\n|---|---|---|---|---|---|---|\n");
  for (const auto& [n, f] : figures()) {
    std::printf("| %d | %.2f | %.1f | %.1f | %.1f | %.0fx | %.2fx |\n", n, f.send_match_us, f.pcre_loop_us,
                f.who_gets_us, f.close_found, f.who_gets_us / f.send_match_us, f.who_gets_us / f.pcre_loop_us);
  }
  const auto& r = recording();
  if (r.on < 1e9) {
    std::printf("\n| ivyd CPU us/msg, metrics off | on, not scraped | ratio | on, scraped every 50 ms | ratio | scrapes |\n"
                "|---|---|---|---|---|---|\n| %.2f | %.2f | %.2f | %.2f | %.2f | %.0f |\n",
                r.off, r.on_idle, r.on_idle / r.off, r.on, r.on / r.off, r.scrapes);
  }
}

}  // namespace
}  // namespace ivy

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  ivy::print_summary();
  return 0;
}
