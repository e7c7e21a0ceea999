// matcher_cache_bench: how long 3,079 ivythroughput-style patterns (the set
// of ivy-c's testivy, generated) take to settle in Hyperscan, driven as the
// agent drives the matcher on a quiet bus (batch_done() after the handshake,
// poll() on every wake-up from the compile worker, no message):
//
//  BM_SettleInHyperscan/cache:0  no cache: today's cold start (the baseline)
//  BM_SettleInHyperscan/cache:1  an empty FileDatabaseCache: a cold start
//                                that stores what it compiles
//  BM_SettleInHyperscan/cache:2  the cache the cold run filled: a restart,
//                                or a peer coming back with a set seen before
//
// Counters: in_hyperscan_ms (no pattern left on the PCRE2 side list),
// merged_ms (one base database holds them all: the settled state),
// compiles, cache_hits. Wall-clock times: the compile runs on its own thread.
//
// IVYD_BENCH_REGEXPS=FILE takes the patterns from FILE, one per line (e.g.
// ivy-c's tools/testivy/regexp.txt, not shipped here) instead of generating
// them.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/hs_matcher.hpp"
#include "storage/file_database_cache.hpp"
#include "tests/core/ivy_traffic_generator.hpp"
#include "tests/daemon/process_support.hpp"

namespace ivy {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kPatterns = 3079;

std::vector<std::string> bench_patterns() {
  const char* file = std::getenv("IVYD_BENCH_REGEXPS");
  if (!file || !*file) return test::IvyTrafficGenerator::throughput_patterns(kPatterns);
  std::vector<std::string> out;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

struct Settled {
  double in_hyperscan_ms = -1;
  double merged_ms = -1;
  MatcherStats stats;
};

// Adds the set, then runs the matcher as a quiet event loop would until one
// base database holds every pattern (or 5 minutes).
Settled settle(std::shared_ptr<DatabaseCache> cache) {
  HyperscanMatcherOptions options;
  options.cache = std::move(cache);
  HyperscanMatcher matcher(options);
  std::mutex mutex;
  std::condition_variable woken;
  bool wakeup = false;
  matcher.set_wakeup([&] {
    std::lock_guard lock(mutex);
    wakeup = true;
    woken.notify_one();
  });
  static const auto patterns = bench_patterns();
  for (std::size_t i = 0; i < patterns.size(); ++i)
    (void)matcher.add(1, static_cast<int>(i), patterns[i]);
  Settled out;
  const auto start = Clock::now();  // the peer's END_REGEXP
  matcher.batch_done();
  while (ms_since(start) < 300'000) {
    {
      std::unique_lock lock(mutex);
      woken.wait_for(lock, std::chrono::milliseconds(20), [&] { return wakeup; });
      wakeup = false;
    }
    matcher.poll();
    const MatcherStats s = matcher.stats();
    if (out.in_hyperscan_ms < 0 && s.side_list_patterns == 0) out.in_hyperscan_ms = ms_since(start);
    if (s.side_list_patterns == 0 && s.base_patterns == s.hyperscan_patterns && s.shards == 0) {
      out.merged_ms = ms_since(start);
      break;
    }
  }
  out.stats = matcher.stats();
  matcher.set_wakeup(nullptr);
  return out;
}

void BM_SettleInHyperscan(benchmark::State& state) {
  static test::TempDir dir;  // filled by cache:1, read by cache:2
  const int mode = static_cast<int>(state.range(0));
  std::shared_ptr<DatabaseCache> cache;
  if (mode > 0) {
    auto opened = storage::FileDatabaseCache::open(dir.path + "/cache", 256ULL << 20);
    if (!opened) return state.SkipWithError(opened.error().message.c_str());
    cache = *opened;
  }
  Settled last;
  std::vector<double> in_hyperscan, merged;
  for (auto _ : state) {
    if (mode == 1) {
      state.PauseTiming();
      std::filesystem::remove_all(dir.path + "/cache");
      cache = *storage::FileDatabaseCache::open(dir.path + "/cache", 256ULL << 20);
      state.ResumeTiming();
    }
    last = settle(cache);
    in_hyperscan.push_back(last.in_hyperscan_ms);
    merged.push_back(last.merged_ms);
    state.SetIterationTime(last.merged_ms / 1000.0);
  }
  state.counters["in_hyperscan_ms"] = median(in_hyperscan);  // of the iterations
  state.counters["merged_ms"] = median(merged);
  state.counters["compiles"] = static_cast<double>(last.stats.compiles);
  state.counters["cache_hits"] = static_cast<double>(last.stats.cache_hits);
  state.counters["hyperscan_patterns"] = static_cast<double>(last.stats.hyperscan_patterns);
  state.counters["fallback_patterns"] = static_cast<double>(last.stats.fallback_patterns);
}
BENCHMARK(BM_SettleInHyperscan)
    ->ArgName("cache")
    ->Arg(0)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SettleInHyperscan)
    ->ArgName("cache")
    ->Arg(1)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SettleInHyperscan)
    ->ArgName("cache")
    ->Arg(2)
    ->Iterations(10)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ivy

BENCHMARK_MAIN();
