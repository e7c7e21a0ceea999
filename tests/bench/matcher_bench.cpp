// matcher_bench: messages/s of HyperscanMatcher vs the PCRE2 loop
// (PcreMatcher, interpreter and JIT) at N = 10 ... 10,000 subscriptions, on
// generated air-traffic traffic (tests/core/ivy_traffic_generator.hpp), plus
// Hyperscan compile time, memory and the latency of a subscription change.
// After the Google Benchmark output it prints a summary with the ratios of the
// same run (per-thread CPU time: the 2-core VM is shared). Compiling 10,000
// patterns takes a while (wall-clock compile times suffer from a busy machine).

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <hs/hs.h>

#include "core/hs_database.hpp"
#include "core/hs_matcher.hpp"
#include "core/pcre_matcher.hpp"
#include "tests/core/ivy_traffic_generator.hpp"

namespace ivy {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The machine is shared: rates use this thread's CPU time, not wall time.
double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

using GeneratedSubscriptionCopy = test::GeneratedSubscription;

struct Fixture {
  PcreMatcher pcre{JitMode::kInterpreter};
  PcreMatcher jit{JitMode::kJit};
  HyperscanMatcher hyperscan;
  std::unique_ptr<HyperscanMatcher> hyperscan_interpreter;  // A/B: PCRE2 interpreter on hits
  std::vector<GeneratedSubscriptionCopy> subscriptions;
  std::vector<std::string> messages;
  double compile_seconds = 0;
  double change_visible_seconds = 0;
  double add_microseconds = 0;
  double hits_per_message = 0;
  MatcherStats stats;
};

struct Summary {
  double pcre = 0, jit = 0, hyperscan = 0, hyperscan_interpreter = 0, hyperscan_refs = 0,
         raw_scan = 0;
};

std::map<int, Summary>& summaries() {
  static std::map<int, Summary> s;
  return s;
}

void measure_change(Fixture& f) {
  const auto start = Clock::now();
  (void)f.hyperscan.add(999, 0, "^SubscriptionChange Flight=(\\d+)");
  f.add_microseconds = seconds_since(start) * 1e6;
  const auto compile = Clock::now();
  f.hyperscan.flush();  // one shard rebuilt and swapped in
  f.change_visible_seconds = seconds_since(compile);
  f.hyperscan.remove(999, 0);
}

Fixture& fixture(int n) {
  static std::map<int, std::unique_ptr<Fixture>> fixtures;
  auto& slot = fixtures[n];
  if (slot) return *slot;
  slot = std::make_unique<Fixture>();
  Fixture& f = *slot;
  test::IvyTrafficGenerator generator(n);
  f.subscriptions = generator.subscriptions(n, 8, test::TrafficProfile::kAirTraffic);
  for (const auto& s : f.subscriptions) {
    (void)f.pcre.add(s.peer, s.regexp_id, s.pattern);
    (void)f.jit.add(s.peer, s.regexp_id, s.pattern);
    (void)f.hyperscan.add(s.peer, s.regexp_id, s.pattern);
  }
  const auto start = Clock::now();
  f.hyperscan.flush();
  f.compile_seconds = seconds_since(start);
  f.stats = f.hyperscan.stats();
  measure_change(f);
  f.messages = generator.messages(4096, n, test::TrafficProfile::kAirTraffic);
  std::vector<Hit> hits;
  for (const auto& m : f.messages) f.pcre.match(m, CaptureMode::kAllGroups, hits);
  f.hits_per_message = static_cast<double>(hits.size()) / static_cast<double>(f.messages.size());
  return f;
}

template <Matcher* (*Pick)(Fixture&), double Summary::*Field>
void run(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  Matcher& matcher = *Pick(f);
  std::vector<Hit> hits;
  std::size_t i = 0;
  std::int64_t messages = 0;
  const double start = thread_cpu_seconds();
  for (auto _ : state) {
    hits.clear();
    matcher.match(f.messages[i], CaptureMode::kAllGroups, hits);
    benchmark::DoNotOptimize(hits.data());
    i = (i + 1) % f.messages.size();
    ++messages;
  }
  const double rate = static_cast<double>(messages) / (thread_cpu_seconds() - start);
  summaries()[static_cast<int>(state.range(0))].*Field = rate;
  state.SetItemsProcessed(messages);
  state.counters["hits_per_msg"] = f.hits_per_message;
}

// match_refs(): who receives each message, no captures (the recorder's call).
// Nearly all of it is the Hyperscan scan: the floor under match().
void refs(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  std::vector<SubscriptionRef> refs;
  std::size_t i = 0;
  std::int64_t messages = 0;
  const double start = thread_cpu_seconds();
  for (auto _ : state) {
    refs.clear();
    f.hyperscan.match_refs(f.messages[i], refs);
    benchmark::DoNotOptimize(refs.data());
    i = (i + 1) % f.messages.size();
    ++messages;
  }
  summaries()[static_cast<int>(state.range(0))].hyperscan_refs =
      static_cast<double>(messages) / (thread_cpu_seconds() - start);
  state.SetItemsProcessed(messages);
}

// The floor: one hs_scan per message of a single database over every pattern
// Hyperscan takes (built by build_hs_database, as the matcher's base), with a
// callback that only counts. No mapping, no captures, no side list.
int count_hit(unsigned, unsigned long long, unsigned long long, unsigned, void* hits) {
  ++*static_cast<std::uint64_t*>(hits);
  return 0;
}

void raw_scan(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  std::vector<HsPatternSpec> specs;
  for (std::size_t i = 0; i < f.subscriptions.size(); ++i) {
    specs.push_back({static_cast<PatternId>(i + 1), f.subscriptions[i].pattern});
  }
  const HsBuildResult built = build_hs_database(specs, JitMode::kInterpreter);
  hs_scratch_t* scratch = nullptr;
  if (!built.database || hs_alloc_scratch(built.database->raw(), &scratch) != HS_SUCCESS) {
    state.SkipWithError("no database");
    return;
  }
  std::uint64_t hits = 0;
  std::size_t i = 0;
  std::int64_t messages = 0;
  const double start = thread_cpu_seconds();
  for (auto _ : state) {
    const std::string& m = f.messages[i];
    hs_scan(built.database->raw(), m.data(), static_cast<unsigned>(m.size()), 0, scratch,
            count_hit, &hits);
    i = (i + 1) % f.messages.size();
    ++messages;
  }
  summaries()[static_cast<int>(state.range(0))].raw_scan =
      static_cast<double>(messages) / (thread_cpu_seconds() - start);
  benchmark::DoNotOptimize(hits);
  hs_free_scratch(scratch);
  state.SetItemsProcessed(messages);
}

Matcher* pick_pcre(Fixture& f) { return &f.pcre; }
Matcher* pick_jit(Fixture& f) { return &f.jit; }
Matcher* pick_hyperscan(Fixture& f) { return &f.hyperscan; }
Matcher* pick_hyperscan_interpreter(Fixture& f) {
  if (!f.hyperscan_interpreter) {
    f.hyperscan_interpreter = std::make_unique<HyperscanMatcher>(
        HyperscanMatcherOptions{.hit_jit = JitMode::kInterpreter});
    for (const auto& s : f.subscriptions) {
      (void)f.hyperscan_interpreter->add(s.peer, s.regexp_id, s.pattern);
    }
    f.hyperscan_interpreter->flush();
  }
  return f.hyperscan_interpreter.get();
}

void sizes(benchmark::internal::Benchmark* b) {
  for (int n : {10, 100, 1'000, 3'000, 10'000}) b->Arg(n);
  b->MinTime(0.5)->Unit(benchmark::kMicrosecond);
}

BENCHMARK(run<pick_pcre, &Summary::pcre>)->Name("PcreLoop")->Apply(sizes);
BENCHMARK(run<pick_jit, &Summary::jit>)->Name("PcreJitLoop")->Apply(sizes);
BENCHMARK(run<pick_hyperscan, &Summary::hyperscan>)->Name("Hyperscan")->Apply(sizes);
BENCHMARK(refs)->Name("HyperscanRefsNoCaptures")->Apply(sizes);
// Up to 3,000: one more database compile per size (10,000 takes ~20-70 s).
BENCHMARK(raw_scan)->Name("RawHsScanOneDatabase")
    ->Arg(10)->Arg(100)->Arg(1'000)->Arg(3'000)->MinTime(0.5)->Unit(benchmark::kMicrosecond);
// Same without JIT on the hits; up to 3,000 (a second 10,000 compile is ~1 min).
BENCHMARK(run<pick_hyperscan_interpreter, &Summary::hyperscan_interpreter>)
    ->Name("HyperscanInterpreterHits")
    ->Arg(10)->Arg(100)->Arg(1'000)->Arg(3'000)->MinTime(0.5)->Unit(benchmark::kMicrosecond);

void print_summary() {
  std::printf("\n| N | PCRE2 loop msg/s | PCRE2-JIT loop msg/s | Hyperscan msg/s | ratio vs faster PCRE2 "
              "| HS refs only msg/s | refs ratio | raw hs_scan msg/s | raw ratio | HS, interpreter on hits | hits/msg | HS compile s | shards | HS/prefilter/fallback | db bytes | scratch bytes "
              "| add us | change in HS after s |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (const auto& [n, s] : summaries()) {
    const Fixture& f = fixture(n);
    const double faster = std::max(s.pcre, s.jit);
    std::printf("| %d | %.0f | %.0f | %.0f | %.1fx | %.0f | %.1fx | %.0f | %.1fx | %.0f | %.2f | %.2f | %zu | %zu/%zu/%zu | %zu | %zu | %.1f | %.3f |\n",
                n, s.pcre, s.jit, s.hyperscan, s.hyperscan / faster, s.hyperscan_refs,
                s.hyperscan_refs / faster, s.raw_scan, s.raw_scan / faster, s.hyperscan_interpreter,
                f.hits_per_message, f.compile_seconds, f.stats.shards, f.stats.hyperscan_patterns,
                f.stats.prefilter_patterns, f.stats.fallback_patterns, f.stats.database_bytes,
                f.stats.scratch_bytes, f.add_microseconds, f.change_visible_seconds);
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
