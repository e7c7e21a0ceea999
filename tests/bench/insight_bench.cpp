// The costs of `ivyctl lint`, `ivyctl plot` and the `ivyctl info`
// sparkline, each against a baseline measured in the same run:
//
//   BM_CompileBaseline/N   PCRE2-compile N subscription patterns (what ivyd and
//                          every ivy-c agent already do for each ADD_REGEXP)
//   BM_Lint/N/0            lint_subscriptions on the same N (air-traffic
//                          shapes, 1 exotic in 500, ~5 % held twice):
//                          vs_compile = lint time / compile time
//   BM_Lint/N/1            the same without the two Hyperscan checks
//   BM_ReadBaseline        Reader::query over every message of a 200,000-
//                          message recording, page by page (what export reads)
//   BM_PlotData            the same reading into a TrafficBinner and finish():
//                          vs_read = plot data time / read time
//   BM_Gnuplot             gnuplot drawing that series to a PNG (independent
//                          of the recording's size: ~100 bins)
//   BM_SummaryBaseline     Reader::summary() of the recording (what info does)
//   BM_Sparkline           Reader::message_counts() for a 60-bucket line:
//                          vs_summary = sparkline time / summary time
//
// Times and ratios are the benchmark thread's CPU time (gnuplot: wall time
// of the child): wall time on a shared machine measures the neighbours.

#include <time.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "core/regex.hpp"
#include "core/subscription_lint.hpp"
#include "daemon/ivyctl/gnuplot.hpp"
#include "daemon/ivyctl/plot_script.hpp"
#include "daemon/ivyctl/traffic_series.hpp"
#include "storage/reader.hpp"
#include "storage/sqlite_recorder.hpp"
#include "tests/core/ivy_traffic_generator.hpp"

namespace {

using namespace ivy;

constexpr int kMessages = 200'000;
double g_compile_s[2] = {0, 0};
double g_read_s = 0;
double g_summary_s = 0;

std::vector<LintSubscription> subscriptions(int n) {
  test::IvyTrafficGenerator generator;
  std::vector<LintSubscription> out;
  for (const auto& s : generator.subscriptions(n, 8, test::TrafficProfile::kAirTraffic)) {
    out.push_back({"main", "P" + std::to_string(s.peer), "app" + std::to_string(s.peer),
                   s.regexp_id, s.pattern, std::nullopt});
  }
  return out;
}

// Thread CPU time: on a shared machine, wall time measures the neighbours.
double thread_cpu_s() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}
struct CpuStart {
  double at = thread_cpu_s();
};
double seconds_since(CpuStart t0) { return thread_cpu_s() - t0.at; }

void BM_CompileBaseline(benchmark::State& state) {
  const auto subs = subscriptions(static_cast<int>(state.range(0)));
  double total = 0;
  for (auto _ : state) {
    const CpuStart t0;
    for (const auto& s : subs) benchmark::DoNotOptimize(Regex::compile(s.pattern).ok());
    total += seconds_since(t0);
  }
  g_compile_s[state.range(0) > 1000] = total / static_cast<double>(state.iterations());
  state.counters["us_per_subscription"] =
      1e6 * g_compile_s[state.range(0) > 1000] / static_cast<double>(subs.size());
}

// Arg 1: 0 every check; 1 without the Hyperscan checks (their share).
void BM_Lint(benchmark::State& state) {
  const auto subs = subscriptions(static_cast<int>(state.range(0)));
  LintOptions options;
  if (state.range(1) == 1)
    options.skip =
        lint_bit(LintCheck::kHyperscanFallback) | lint_bit(LintCheck::kHyperscanPrefilter);
  double total = 0;
  std::size_t problems = 0;
  for (auto _ : state) {
    const CpuStart t0;
    problems = lint_subscriptions(subs, options).problems();
    total += seconds_since(t0);
  }
  const double per = total / static_cast<double>(state.iterations());
  state.counters["us_per_subscription"] = 1e6 * per / static_cast<double>(subs.size());
  state.counters["problems"] = static_cast<double>(problems);
  const double base = g_compile_s[state.range(0) > 1000];
  state.counters["vs_compile"] = base > 0 ? per / base : 0;
}

// The benchmark's scratch directory, removed at exit.
struct ScratchDir {
  ScratchDir() {
    char name[] = "/tmp/ivyd-bench-XXXXXX";
    path = ::mkdtemp(name);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string path;
};

// One recording for the reading benchmarks: 8 senders, 12 classes, one
// receiver per message, 1 ms apart.
const std::string& recording() {
  static const ScratchDir scratch;
  static const std::string path = [] {
    const std::string dir = scratch.path;
    storage::SqliteRecorderOptions o;
    o.path = dir + "/rec.db";
    o.meta = storage::RecordingMeta{"bench", "127.255.255.255:2010", "bench", ""};
    storage::SqliteRecorder rec(o);
    const std::int64_t t0 = 1'795'600'800'000'000'000;
    for (storage::PeerKey k = 1; k <= 9; ++k) {
      storage::AgentEvent join;
      join.at = {t0, 0};
      join.agent =
          storage::AgentRef{k, "app" + std::to_string(k), "AGENT" + std::to_string(k), "h", 1, "b"};
      while (!rec.try_append(join)) std::this_thread::yield();
    }
    for (int i = 0; i < kMessages; ++i) {
      storage::MessageRecord m;
      m.at = {t0 + static_cast<std::int64_t>(i) * 1'000'000, i};
      m.sender = 1 + static_cast<storage::PeerKey>(i % 8);
      m.text = "Class" + std::to_string(i % 12) + " Flight=" + std::to_string(i) + " X=1.5 Y=2.5";
      m.receivers = {{9, 1}};
      while (!rec.try_append(m)) std::this_thread::yield();  // a copy: a refused record is gone
    }
    (void)rec.flush(std::chrono::seconds(120));
    rec.close();
    return o.path;
  }();
  return path;
}

template <class Fn>
void each_message(const storage::Reader& reader, Fn&& fn) {
  storage::QueryFilter f;
  f.kinds = storage::kind_bit(storage::EntryKind::kMsg);
  f.limit = 5000;
  for (;;) {
    auto page = reader.query(f);
    if (!page) return;
    for (const auto& e : page->entries) fn(e);
    f.after = page->next;
    if (page->entries.size() < f.limit) return;
  }
}

void BM_ReadBaseline(benchmark::State& state) {
  auto reader = storage::Reader::open(recording());
  double total = 0;
  std::size_t n = 0;
  for (auto _ : state) {
    n = 0;
    const CpuStart t0;
    each_message(*reader, [&](const storage::Entry& e) { n += e.text.size() > 0; });
    total += seconds_since(t0);
  }
  g_read_s = total / static_cast<double>(state.iterations());
  state.counters["messages"] = static_cast<double>(n);
  state.counters["msgs_per_s"] = static_cast<double>(n) / g_read_s;
}

ctl::TrafficSeries plot_series(const storage::Reader& reader) {
  ctl::TrafficBinner binner;
  each_message(reader, [&](const storage::Entry& e) {
    binner.add_message(e.wall_ns, e.agent.name, e.text);
  });
  return binner.finish(100, 8);
}

void BM_PlotData(benchmark::State& state) {
  auto reader = storage::Reader::open(recording());
  double total = 0;
  for (auto _ : state) {
    const CpuStart t0;
    benchmark::DoNotOptimize(plot_series(*reader).bins);
    total += seconds_since(t0);
  }
  const double per = total / static_cast<double>(state.iterations());
  state.counters["msgs_per_s"] = kMessages / per;
  state.counters["vs_read"] = g_read_s > 0 ? per / g_read_s : 0;
}

void BM_Gnuplot(benchmark::State& state) {
  auto reader = storage::Reader::open(recording());
  const ctl::TrafficSeries series = plot_series(*reader);
  const std::string out = std::filesystem::path(recording()).parent_path() / "plot.png";
  ctl::PlotStyle style;
  for (auto _ : state) {
    const auto st = ctl::run_gnuplot(
        "gnuplot",
        [&](const std::string& picture) {
          style.output = picture;
          return ctl::gnuplot_script(series, style);
        },
        out);
    if (!st) state.SkipWithError(st.error().message.c_str());
  }
}

void BM_SummaryBaseline(benchmark::State& state) {
  auto reader = storage::Reader::open(recording());
  double total = 0;
  for (auto _ : state) {
    const CpuStart t0;
    benchmark::DoNotOptimize(reader->summary().ok());
    total += seconds_since(t0);
  }
  g_summary_s = total / static_cast<double>(state.iterations());
}

void BM_Sparkline(benchmark::State& state) {
  auto reader = storage::Reader::open(recording());
  const auto summary = reader->summary();
  double total = 0;
  for (auto _ : state) {
    const CpuStart t0;
    benchmark::DoNotOptimize(
        reader->message_counts(summary->first_ns, summary->last_ns + 1, 60).ok());
    total += seconds_since(t0);
  }
  const double per = total / static_cast<double>(state.iterations());
  state.counters["us"] = 1e6 * per;
  state.counters["vs_summary"] = g_summary_s > 0 ? per / g_summary_s : 0;
}

BENCHMARK(BM_CompileBaseline)->Arg(1000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Lint)->Args({1000, 0})->Args({1000, 1})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CompileBaseline)->Arg(3000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Lint)->Args({3000, 0})->Args({3000, 1})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReadBaseline)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_PlotData)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_Gnuplot)->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK(BM_SummaryBaseline)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_Sparkline)->Unit(benchmark::kMicrosecond)->Iterations(20);

}  // namespace

BENCHMARK_MAIN();
