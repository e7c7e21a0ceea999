// The recording locked by another process, against the real ivyd executable
// (docs/reliability.md). A sender agent publishes continuously (paced) and a
// healthy sender/receiver pair keeps talking while this test, as another
// connection to the recording, either
//   * holds a long read transaction: in WAL mode ivyd keeps writing, but no
//     checkpoint can pass the reader's snapshot, so the WAL grows; or
//   * holds the write lock (BEGIN EXCLUSIVE) for seconds: ivyd cannot commit
//     at all, must keep the bus running, wait the lock out and account for
//     every message (recorded, or dropped and counted in a gap event).
// The storage layer's own lock handling is unit-tested in
// tests/storage/sqlite_recorder_test.cpp; here it is the whole daemon.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "tests/daemon/hostile_input_support.hpp"

namespace ivy::daemon::test {
namespace {

using Clock = std::chrono::steady_clock;

long long ms_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// A connection of our own to the recording, with the SQLite C API.
class Connection {
 public:
  Connection(const std::string& path, int flags) {
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      sqlite3_close(db_);
      db_ = nullptr;
    }
    if (db_) sqlite3_busy_timeout(db_, 2000);
  }
  ~Connection() { sqlite3_close(db_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool ok() const { return db_ != nullptr; }
  bool exec(const char* sql) {
    return db_ && sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  // The first column of the first row as integer; -1 on error.
  long long integer(const std::string& sql) {
    long long value = -1;
    each_row(sql, [&](sqlite3_stmt* st) { value = sqlite3_column_int64(st, 0); });
    return value;
  }
  std::string text(const std::string& sql) {
    std::string value;
    each_row(sql, [&](sqlite3_stmt* st) {
      if (const auto* t = sqlite3_column_text(st, 0)) value += reinterpret_cast<const char*>(t);
    });
    return value;
  }
  std::string error() const { return db_ ? sqlite3_errmsg(db_) : "not open"; }

 private:
  void each_row(const std::string& sql, const std::function<void(sqlite3_stmt*)>& row) {
    sqlite3_stmt* st = nullptr;
    if (!db_ || sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) return;
    while (sqlite3_step(st) == SQLITE_ROW) row(st);
    sqlite3_finalize(st);
  }
  sqlite3* db_ = nullptr;
};

// One short query on a fresh read-only connection (never held open).
long long count_now(const std::string& path, const std::string& sql) {
  Connection c(path, SQLITE_OPEN_READONLY);
  return c.integer(sql);
}

std::uint64_t file_bytes(const std::string& path) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(path, ec);
  return ec ? 0 : n;
}

double mib(std::uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

// The loaded bus: a sender agent publishing "load <seq> <padding>" at
// `rate` messages per second, and the healthy pair sending every 20 ms.
class LoadedBus {
 public:
  LoadedBus(asio::io_context& io, Logger& log, std::uint16_t port, int rate)
      : healthy(io, log, port), io_(io), loader_(io, log, "LOADER", port), rate_(rate) {}

  // All linked: the pair, and the loader to ivyd and the pair.
  bool start() {
    return healthy.start() && loader_->start().ok() &&
           run_until(
               io_,
               [&] { return loader_->peers().size() == 3 && peer_subscriptions(*loader_) >= 2; },
               5000ms);
  }

  // Keeps the bus busy for `duration`; `hook` (if any) runs every `period`.
  void run(std::chrono::milliseconds duration, const std::function<void()>& hook = {},
           std::chrono::milliseconds period = 250ms) {
    const auto end = Clock::now() + duration;
    auto next_healthy = Clock::now();
    auto next_hook = Clock::now() + period;
    while (Clock::now() < end) {
      pump();
      if (Clock::now() >= next_healthy) {
        healthy.send(1);
        next_healthy += 20ms;
      }
      if (hook && Clock::now() >= next_hook) {
        hook();
        next_hook = Clock::now() + period;
      }
      io_.run_for(1ms);
    }
  }

  long long loads_sent() const { return sent_; }
  long long all_sent() const { return sent_ + healthy.sent; }
  std::uint64_t loader_drops() { return loader_->counters().frames_dropped; }

  HealthyPair healthy;

 private:
  // Sends what is due at `rate_` since the first pump, 50 at a time, while
  // the loader's own queues stay short (a frame it dropped would look like a
  // recording loss).
  void pump() {
    const auto now = Clock::now();
    if (!started_) started_ = now;
    std::size_t queued = 0;
    for (const auto& p : loader_->peers()) queued = std::max(queued, p.queued_bytes);
    const auto due =
        std::chrono::duration_cast<std::chrono::microseconds>(now - *started_).count() * rate_ /
        1'000'000;
    if (queued > 256 * 1024 || sent_ >= due) return;
    for (int i = 0; i < 50; ++i) {
      (void)loader_->send("load " + std::to_string(sent_++) + " " + kPadding);
    }
  }

  static constexpr const char* kPadding =
      "telemetry x=1.2345 y=6.7890 z=0.1111 heading=271.5 speed=12.25 status=nominal";

  asio::io_context& io_;
  TestAgent loader_;
  int rate_;
  long long sent_ = 0;
  std::optional<Clock::time_point> started_;
};

const nlohmann::json& recorder_of(const nlohmann::json& status) {
  static const nlohmann::json none = nlohmann::json::object();
  return status.is_object() && status.contains("recorder") ? status["recorder"] : none;
}

TEST(LockedRecording, LongReaderLetsRecordingGoOnAndTheWalIsCheckpointedOnceItEnds) {
  const auto port = unique_bus_port();
  IvydUnderTest ivyd(port, "");
  ASSERT_TRUE(ivyd.start()) << ivyd.log();
  asio::io_context io;
  Logger log(LogLevel::kError, Logger::Style::kPlain);
  LoadedBus bus(io, log, port, 10'000);
  ASSERT_TRUE(bus.start()) << ivyd.log();
  bus.run(500ms);
  const std::string db =
      std::filesystem::canonical(ivyd.dir.file("rec.db"));  // the rec-<time>.db behind the link
  const std::string wal = db + "-wal";

  // A reader that keeps its snapshot: BEGIN, then one read, and no COMMIT.
  auto reader = std::make_unique<Connection>(db, SQLITE_OPEN_READONLY);
  ASSERT_TRUE(reader->ok()) << reader->error();
  ASSERT_TRUE(reader->exec("BEGIN"));
  const long long seen_by_reader = reader->integer("SELECT count(*) FROM message");
  ASSERT_GT(seen_by_reader, 0);
  const auto wal_at_start = file_bytes(wal);
  const auto db_at_start = file_bytes(db);
  long long recorded_during = 0;
  std::uint64_t wal_peak = 0;
  bus.run(3000ms, [&] {
    recorded_during = std::max(recorded_during, count_now(db, "SELECT count(*) FROM message"));
    wal_peak = std::max(wal_peak, file_bytes(wal));
  });
  wal_peak = std::max(wal_peak, file_bytes(wal));
  const auto db_while_held = file_bytes(db);
  // The reader still sees its snapshot; everyone else sees ivyd recording on.
  EXPECT_EQ(reader->integer("SELECT count(*) FROM message"), seen_by_reader);
  EXPECT_GT(recorded_during, seen_by_reader + 10'000)
      << "ivyd stopped recording under a long reader";
  EXPECT_GT(wal_peak, wal_at_start + 4 * 1024 * 1024)
      << "the WAL did not grow past a checkpoint's worth";
  const auto status_held = ivyd.status(2000ms);
  EXPECT_EQ(recorder_of(status_held).value("dropped", -1), 0) << status_held.dump();

  ASSERT_TRUE(reader->exec("COMMIT"));
  reader.reset();
  const auto reader_gone = Clock::now();
  // Only ivyd writes (our connections are read-only): the main file grows
  // when ivyd's next checkpoint copies the WAL back into it.
  long long checkpoint_ms = -1;
  std::uint64_t wal_at_checkpoint = 0;
  bus.run(
      1000ms,
      [&] {
        if (checkpoint_ms >= 0 || file_bytes(db) <= db_while_held) return;
        checkpoint_ms = ms_since(reader_gone);
        wal_at_checkpoint = file_bytes(wal);
      },
      10ms);
  EXPECT_GE(checkpoint_ms, 0) << "no checkpoint within 1 s of the reader going: db "
                              << db_while_held << " -> " << file_bytes(db) << " bytes";
  const auto recorded_at_checkpoint = count_now(db, "SELECT count(*) FROM message");
  bus.run(2000ms);
  const auto wal_after = file_bytes(wal);
  const auto db_after = file_bytes(db);
  // The WAL is written from its start again: while another 2 s of traffic
  // is recorded, its file no longer grows. (SQLite truncates it only past
  // journal_size_limit, 64 MiB, and deletes it when ivyd closes the file.)
  EXPECT_GT(count_now(db, "SELECT count(*) FROM message"), recorded_at_checkpoint + 10'000);
  EXPECT_EQ(wal_after, wal_at_checkpoint) << "the WAL kept growing after the reader went";

  // Every message recorded, none dropped; the file is sound.
  const auto total = bus.all_sent();
  EXPECT_EQ(bus.loader_drops(), 0u);
  EXPECT_TRUE(ivy::test::eventually([&] {
    return count_now(db, "SELECT count(*) FROM message") == total;
  })) << count_now(db, "SELECT count(*) FROM message")
      << " of " << total;
  const auto status = ivyd.status(2000ms);
  EXPECT_EQ(recorder_of(status).value("dropped", -1), 0) << status.dump();
  EXPECT_TRUE(bus.healthy.all_received());
  EXPECT_EQ(bus.healthy.disconnections(), 0u);
  const auto recorded = count_now(db, "SELECT count(*) FROM message");
  {
    Connection check(db, SQLITE_OPEN_READONLY);
    EXPECT_EQ(check.text("PRAGMA integrity_check"), "ok");
  }
  // A clean stop checkpoints everything and removes the WAL.
  ivyd.process().signal(SIGTERM);
  EXPECT_EQ(ivyd.process().wait_for(5000ms), std::optional<int>(0)) << ivyd.log();
  EXPECT_EQ(file_bytes(wal), 0u);
  EXPECT_EQ(count_now(db, "SELECT count(*) FROM message"), total);
  std::printf(
      "[figures] long reader (3 s, 10,000 msg/s): recorded %lld -> %lld meanwhile, WAL %.1f -> "
      "%.1f MiB, "
      "db %.1f -> %.1f MiB; checkpoint %lld ms after the reader went (WAL then %.1f MiB), then 2 s "
      "later "
      "db %.1f MiB, WAL %.1f MiB; %lld/%lld recorded, 0 dropped; WAL after SIGTERM %.1f MiB\n",
      seen_by_reader, recorded_during, mib(wal_at_start), mib(wal_peak), mib(db_at_start),
      mib(db_while_held), checkpoint_ms, mib(wal_at_checkpoint), mib(db_after), mib(wal_after),
      recorded, total, mib(file_bytes(wal)));
}

TEST(LockedRecording, WriteLockIsWaitedOutAndOnlyTheQueueOverflowIsLost) {
  constexpr int kQueue = 4000;
  constexpr int kRate = 5000;
  const auto port = unique_bus_port();
  IvydSetup setup;
  setup.recorder = R"("queue_size": )" + std::to_string(kQueue);
  IvydUnderTest ivyd(port, setup);
  ASSERT_TRUE(ivyd.start()) << ivyd.log();
  asio::io_context io;
  Logger log(LogLevel::kError, Logger::Style::kPlain);
  LoadedBus bus(io, log, port, kRate);
  ASSERT_TRUE(bus.start()) << ivyd.log();
  bus.run(500ms);
  const std::string db = ivyd.dir.file("rec.db");
  Connection locker(db, SQLITE_OPEN_READWRITE);
  ASSERT_TRUE(locker.ok()) << locker.error();

  // A lock the queue absorbs (0.5 s at 5,000 msg/s, 4,000 queued): nothing lost.
  ASSERT_TRUE(locker.exec("BEGIN EXCLUSIVE")) << locker.error();
  bus.run(500ms);
  ASSERT_TRUE(locker.exec("COMMIT")) << locker.error();
  bus.run(200ms);
  const auto sent_after_short_lock = bus.all_sent();
  EXPECT_TRUE(ivy::test::eventually([&] {
    return count_now(db, "SELECT count(*) FROM message") == sent_after_short_lock;
  })) << count_now(db, "SELECT count(*) FROM message")
      << " of " << sent_after_short_lock;
  EXPECT_EQ(count_now(db, "SELECT count(*) FROM event WHERE kind = 'gap'"), 0);
  EXPECT_EQ(recorder_of(ivyd.status()).value("dropped", -1LL), 0);

  // A lock it cannot absorb: 3 s, about 15,000 messages.
  ASSERT_TRUE(locker.exec("BEGIN EXCLUSIVE")) << locker.error();
  const auto sent_before_lock = bus.all_sent();
  const auto locked_at = Clock::now();
  long long slowest_status_ms = 0, peak_queued = 0;
  int status_answers = 0, status_asked = 0;
  std::string error_seen;
  bus.run(3000ms, [&] {
    const auto t0 = Clock::now();
    const auto s = ivyd.status(2000ms);
    ++status_asked;
    if (!s.is_object()) return;
    ++status_answers;
    slowest_status_ms = std::max(slowest_status_ms, ms_since(t0));
    peak_queued = std::max<long long>(peak_queued, recorder_of(s).value("queued", 0LL));
    if (error_seen.empty()) error_seen = recorder_of(s).value("last_error", std::string());
  });
  const auto sent_during_lock = bus.all_sent() - sent_before_lock;
  ASSERT_TRUE(locker.exec("COMMIT")) << locker.error();
  const auto lock_ms = ms_since(locked_at);
  bus.run(1000ms);  // recording resumes under the same load

  // The bus ran on: status answered, the healthy pair lost nothing.
  EXPECT_TRUE(ivyd.running()) << ivyd.log();
  EXPECT_EQ(status_answers, status_asked)
      << "ivyctl status did not answer while the database was locked";
  EXPECT_LT(slowest_status_ms, 2000);
  EXPECT_NE(error_seen.find("locked"), std::string::npos)
      << "status did not show the lock: " << error_seen;
  EXPECT_TRUE(bus.healthy.all_received()) << bus.healthy.received() << " of " << bus.healthy.sent;
  EXPECT_EQ(bus.healthy.disconnections(), 0u);
  EXPECT_EQ(bus.loader_drops(), 0u);

  // Everything sent is accounted for: recorded, or dropped and counted in a gap.
  const auto total = bus.all_sent();
  const std::string recorded_sql = "SELECT count(*) FROM message";
  const std::string gap_sql = "SELECT coalesce(sum(code), 0) FROM event WHERE kind = 'gap'";
  EXPECT_TRUE(ivy::test::eventually([&] {
    return count_now(db, recorded_sql) + count_now(db, gap_sql) == total;
  })) << count_now(db, recorded_sql)
      << " recorded + " << count_now(db, gap_sql) << " in gaps != " << total << " sent";
  const auto recorded = count_now(db, recorded_sql);
  const auto gap_dropped = count_now(db, gap_sql);
  const auto status = ivyd.status(2000ms);
  EXPECT_EQ(recorder_of(status).value("dropped", -1LL), gap_dropped) << status.dump();
  // The lock overflowed the queue, so something was lost ...
  EXPECT_GT(gap_dropped, 0);
  EXPECT_GE(count_now(db, "SELECT count(*) FROM event WHERE kind = 'gap'"), 1);
  // ... but only the overflow: the batch met by the lock and a full queue
  // were kept and stored once the lock went. (Up to 0.1 s of messages sent
  // just before the lock may reach ivyd after it and take queue slots.)
  EXPECT_GE(sent_during_lock - gap_dropped, kQueue - kRate / 10)
      << "of " << sent_during_lock << " messages sent during the lock only "
      << sent_during_lock - gap_dropped << " were kept";
  // Recording resumed: the last message sent, after the lock, is there.
  EXPECT_EQ(count_now(db, "SELECT count(*) FROM message WHERE text LIKE 'load " +
                              std::to_string(bus.loads_sent() - 1) + " %'"),
            1);
  // One warning per lock, not one per retry, and one line when it ends.
  EXPECT_EQ(ivyd.log_lines_with("is locked by another connection"), 2u) << ivyd.log();
  EXPECT_EQ(ivyd.log_lines_with("is writable again after"), 2u) << ivyd.log();
  Connection check(db, SQLITE_OPEN_READONLY);
  EXPECT_EQ(check.text("PRAGMA integrity_check"), "ok");
  std::printf(
      "[figures] write lock 500 ms: %lld recorded, 0 dropped; write lock %lld ms at %d msg/s, "
      "queue_size %d: "
      "%lld sent during the lock, peak queued %lld, "
      "%lld dropped (gap), %lld recorded, %lld sent in all; status answered %d/%d, slowest %lld "
      "ms\n",
      sent_after_short_lock, lock_ms, kRate, kQueue, sent_during_lock, peak_queued, gap_dropped,
      recorded, total, status_answers, status_asked, slowest_status_ms);
}

}  // namespace
}  // namespace ivy::daemon::test
