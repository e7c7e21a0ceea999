// Shipping to the central store (issue 15): messages/s from a local
// recording into PostgreSQL, against a bare COPY of the same rows into the
// same indexed tables, in the same run, on the same throwaway server.
//
//   BM_BareCopyBaseline  the rows already in COPY text, one transaction per
//                        table: PostgreSQL's own ceiling with the ivyd indexes
//                        (primary keys, BRIN on time, messages per sender).
//   BM_Shipper           the real path: Shipper + PgCentralStore reading the
//                        SQLite recording batch by batch (batch_rows, default
//                        10,000), formatting, COPY, position update, one
//                        transaction per batch.
//
// The recording: 200,000 messages of ~50 bytes from 50 senders, 1.2
// receivers each (every fifth message has two), as the soak sends them. The
// server is started here (tests/storage/pg_test_server.sh) with fsync on.
//
// Counters: msgs_per_s (wall), rows_per_s (messages + receivers),
// vs_baseline = shipper / bare COPY (wall, same run).
//
//   build/bin/central_bench
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include <benchmark/benchmark.h>

#include "storage/central_schema.hpp"
#include "storage/copy_rows.hpp"
#include "storage/pg_central_store.hpp"
#include "storage/recording_file.hpp"
#include "storage/shipper.hpp"
#include "tests/storage/pg_test_server.hpp"

namespace {

using namespace ivy::storage;
using ivy::storage::testing::PgTestDatabase;
using ivy::storage::testing::PgTestServer;

constexpr int kMessages = 200'000;
constexpr int kSenders = 50;
constexpr std::int64_t kT0 = 1'795'600'800'000'000'000;
double g_baseline_rate = 0;

struct Fixture {
  Fixture() {
    ::setenv("IVYD_PG_FSYNC", "on", 1);
    server = PgTestServer::start_private();
    char name[] = "/tmp/ivyd-central-bench-XXXXXX";
    dir = ::mkdtemp(name);
    record();
  }
  ~Fixture() { std::filesystem::remove_all(dir); }

  std::string set_path() const { return dir + "/rec.db"; }

  // The local recording, written once for both benchmarks.
  void record() {
    const std::string path = FileSet(set_path()).new_file_path(kT0);
    auto file = RecordingFile::open(path, RecordingMeta{"bench", "127:2010", "0", "d"}, kT0, {}).value();
    std::vector<Record> batch;
    for (int a = 0; a <= kSenders; ++a) {
      AgentEvent join;
      join.at = {kT0, kT0};
      join.agent = AgentRef{static_cast<PeerKey>(a + 1), "app", "AGENT" + std::to_string(a), "h", 4000, "b"};
      batch.push_back(join);
    }
    for (int i = 0; i < kMessages; ++i) {
      MessageRecord m;
      m.at = {kT0 + i * 20'000LL, i * 20'000LL};
      m.sender = static_cast<PeerKey>(i % kSenders + 1);
      m.text = "soak " + std::to_string(i % kSenders) + " " + std::to_string(i) + " " + std::string(40, 'p');
      m.receivers = {{kSenders + 1, 1}};
      if (i % 5 == 0) m.receivers.push_back({kSenders + 1, 2});
      batch.push_back(std::move(m));
      if (batch.size() >= 10'000) {
        (void)file->write(batch);
        batch.clear();
      }
    }
    (void)file->write(batch);
  }

  // The same rows as COPY text, as the shipper's first batch of everything.
  void copy_text(CopyRows& messages, CopyRows& receivers, std::int64_t file_id) {
    auto journal = JournalFile::open(FileSet(set_path()).files().at(0).path).value();
    auto batch = journal.read(CentralFile{}, kMessages, false).value();
    for (const auto& m : batch.messages) {
      messages.add(file_id).add(m.id).add(m.wall_ns).add(m.mono_ns).add(m.sender_id).add(m.text).add_null().add_null();
      messages.end_row();
    }
    for (const auto& r : batch.receivers) {
      receivers.add(file_id).add(r.message_id).add(r.agent_id).add(r.regexp_id).end_row();
    }
  }

  std::unique_ptr<PgTestServer> server;
  std::string dir;
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

using Clock = std::chrono::steady_clock;

void set_rates(benchmark::State& state, double seconds) {
  const double rate = kMessages * static_cast<double>(state.iterations()) / seconds;
  state.counters["msgs_per_s"] = rate;
  state.counters["rows_per_s"] = rate * 2.2;  // + 1.2 receiver rows per message
}

void BM_BareCopyBaseline(benchmark::State& state) {
  double seconds = 0;
  for (auto _ : state) {
    state.PauseTiming();
    PgTestDatabase db(*fixture().server);
    auto conn = PgConnection::connect(db.url()).value();
    (void)migrate_central(*conn);
    (void)conn->exec("INSERT INTO files(site, name, started_ns) VALUES ('bench', 'f', 0)");
    CopyRows messages, receivers;
    fixture().copy_text(messages, receivers, 1);
    state.ResumeTiming();
    const auto t0 = Clock::now();
    (void)conn->exec("BEGIN");
    (void)conn->copy_in("COPY messages FROM STDIN", messages.data());
    (void)conn->copy_in("COPY receivers FROM STDIN", receivers.data());
    (void)conn->exec("COMMIT");
    seconds += std::chrono::duration<double>(Clock::now() - t0).count();
    state.PauseTiming();
    if (db.count("SELECT count(*) FROM messages") != kMessages) state.SkipWithError("bare COPY lost rows");
    conn.reset();
    state.ResumeTiming();
  }
  set_rates(state, seconds);
  g_baseline_rate = kMessages * static_cast<double>(state.iterations()) / seconds;
}

void BM_Shipper(benchmark::State& state) {
  std::uint64_t shipped = 0;
  double seconds = 0;
  for (auto _ : state) {
    state.PauseTiming();
    PgTestDatabase db(*fixture().server);
    PgConnection::Options options;
    options.url = db.url();
    PgCentralStore store(options);
    ShipperOptions o;
    o.path = fixture().set_path();
    o.site = "bench";
    o.batch_rows = static_cast<std::size_t>(state.range(0));
    Shipper shipper(o, store);
    (void)store.open();  // connecting and creating the schema are not shipping
    state.ResumeTiming();
    const auto t0 = Clock::now();
    while (shipper.step() == ShipOutcome::kMore) {
    }
    seconds += std::chrono::duration<double>(Clock::now() - t0).count();
    state.PauseTiming();
    shipped = shipper.stats().shipped_messages;
    if (db.count("SELECT count(*) FROM messages") != kMessages) state.SkipWithError(shipper.stats().last_error.c_str());
    state.ResumeTiming();
  }
  set_rates(state, seconds);
  state.counters["shipped"] = static_cast<double>(shipped);
  if (g_baseline_rate > 0) {
    state.counters["vs_baseline"] = kMessages * static_cast<double>(state.iterations()) / seconds / g_baseline_rate;
  }
}

// The baseline runs first (registration order), so vs_baseline has it.
BENCHMARK(BM_BareCopyBaseline)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Shipper)->Arg(50'000)->Arg(10'000)->Arg(2'000)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
