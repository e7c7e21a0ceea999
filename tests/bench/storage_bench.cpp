// Storage throughput: rows/s for 100-byte messages with ~1.2 receivers each.
//
//   BM_RawInsertBaselineRate  one thread, prepared statements, one transaction per
//                         10k messages, no indexes, no queue: SQLite's ceiling
//                         on this machine for the same rows.
//   BM_SqliteRecorder     the real path: try_append on this thread -> bounded
//                         queue -> writer thread -> batched transactions in the
//                         ivyd schema. A full queue is retried (backpressure),
//                         so the rate is what the writer sustains.
//
// Counters: msgs_per_s = messages/s (wall); msgs_per_cpu_s = messages per
// CPU-second of the process (both threads for the recorder): the figure to
// compare when other work shares the cores; writer_msgs_per_cpu_s = the same
// for the writer thread alone; vs_baseline = recorder / baseline (wall);
// peak_queue = deepest queue seen; rss_mb = peak resident set of the process.

#include <sys/resource.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "storage/sqlite_handle.hpp"
#include "storage/sqlite_recorder.hpp"

namespace {

using namespace ivy::storage;

constexpr int kMessages = 200'000;
double g_baseline_rate = 0;

std::string temp_dir() {
  char name[] = "/tmp/ivyd-bench-XXXXXX";
  return ::mkdtemp(name);
}

// 100 bytes, unique per message like real telemetry.
std::string text_for(int i) {
  std::string t = "GROUND AIRCRAFT_POS 4242 " + std::to_string(i) + " 43.6045 1.4440 ";
  t.resize(100, 'x');
  return t;
}

// User + system CPU of the whole process (all threads), in seconds: a rate
// per CPU-second does not depend on how busy the other cores are.
double cpu_seconds(int who = RUSAGE_SELF) {
  rusage u{};
  getrusage(who, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

void raw_insert(const std::string& path) {
  auto db = Database::open(path, OpenMode::kReadWriteCreate);
  (void)db->exec("PRAGMA journal_mode=WAL");
  (void)db->exec("PRAGMA synchronous=NORMAL");
  (void)db->exec("CREATE TABLE message(id INTEGER PRIMARY KEY, wall_ns, mono_ns, sender, text);"
                 "CREATE TABLE receiver(message_id, agent, regexp_id)");
  auto msg = db->prepare("INSERT INTO message(wall_ns, mono_ns, sender, text) VALUES(?,?,?,?)");
  auto rcv = db->prepare("INSERT INTO receiver VALUES(?,?,?)");
  for (int i = 0; i < kMessages; ++i) {
    if (i % 10'000 == 0) (void)db->exec(i == 0 ? "BEGIN" : "COMMIT; BEGIN");
    const std::string text = text_for(i);
    msg->bind(1, std::int64_t{i});
    msg->bind(2, std::int64_t{i});
    msg->bind(3, std::int64_t{1});
    msg->bind(4, text);
    msg->step();
    msg->reset();
    const std::int64_t id = db->last_insert_rowid();
    for (int r = 0; r < (i % 5 == 0 ? 2 : 1); ++r) {
      rcv->bind(1, id);
      rcv->bind(2, std::int64_t{2 + r});
      rcv->bind(3, std::int64_t{1});
      rcv->step();
      rcv->reset();
    }
  }
  (void)db->exec("COMMIT");
}

// What the bus thread builds per message: 100 bytes, 1.2 receivers.
Record make_message(int i) {
  MessageRecord m;
  m.at = Stamp{i, i};
  m.sender = 1;
  m.text = text_for(i);
  m.receivers = {{2, 1}};
  if (i % 5 == 0) m.receivers.push_back({3, 1});
  return m;
}

void BM_SqliteRecorder(benchmark::State& state) {
  std::uint64_t peak = 0;
  double seconds = 0;
  double cpu = 0;
  double producer_cpu = 0;
  for (auto _ : state) {
    const std::string dir = temp_dir();
    SqliteRecorderOptions o;
    o.path = dir + "/ivyd.db";
    SqliteRecorder rec(o);
    for (PeerKey k = 1; k <= 3; ++k) {
      AgentEvent join;
      join.agent = AgentRef{k, "app" + std::to_string(k), "agent", "localhost", 4000, "127:2010"};
      rec.try_append(join);
    }
    (void)rec.flush(std::chrono::seconds(10));
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = cpu_seconds();
    const double producer_start = cpu_seconds(RUSAGE_THREAD);
    for (int i = 0; i < kMessages; ++i) {
      // Backpressure for the benchmark only (the daemon drops instead);
      // sleeping keeps the CPU count honest.
      while (!rec.try_append(make_message(i))) {
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
    }
    (void)rec.flush(std::chrono::seconds(60));
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    cpu += cpu_seconds() - cpu_start;
    producer_cpu += cpu_seconds(RUSAGE_THREAD) - producer_start;
    peak = std::max(peak, rec.stats().peak_queued);
    rec.close();
    std::filesystem::remove_all(dir);
  }
  const double rate = static_cast<double>(state.iterations()) * kMessages / seconds;
  state.SetItemsProcessed(state.iterations() * kMessages);
  state.counters["msgs_per_s"] = rate;
  const double messages = static_cast<double>(state.iterations()) * kMessages;
  state.counters["msgs_per_cpu_s"] = messages / cpu;
  // The writer thread alone (process CPU minus this, the producing thread).
  state.counters["writer_msgs_per_cpu_s"] = messages / (cpu - producer_cpu);
  state.counters["peak_queue"] = static_cast<double>(peak);
  state.counters["rss_mb"] = peak_rss_mb();
  if (g_baseline_rate > 0) state.counters["vs_baseline"] = rate / g_baseline_rate;
}

void BM_RawInsertBaselineRate(benchmark::State& state) {
  double seconds = 0;
  double cpu = 0;
  for (auto _ : state) {
    const std::string dir = temp_dir();
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = cpu_seconds();
    raw_insert(dir + "/raw.db");
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    cpu += cpu_seconds() - cpu_start;
    std::filesystem::remove_all(dir);
  }
  g_baseline_rate = static_cast<double>(state.iterations()) * kMessages / seconds;
  state.SetItemsProcessed(state.iterations() * kMessages);
  state.counters["msgs_per_s"] = g_baseline_rate;
  state.counters["msgs_per_cpu_s"] = static_cast<double>(state.iterations()) * kMessages / cpu;
}

// The baseline runs first so the recorder can report its ratio to it.
BENCHMARK(BM_RawInsertBaselineRate)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK(BM_SqliteRecorder)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
