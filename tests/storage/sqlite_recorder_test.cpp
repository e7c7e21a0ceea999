#include "storage/sqlite_recorder.hpp"

#include <filesystem>
#include <fstream>
#include <mutex>

#include <gtest/gtest.h>

#include <cstdlib>

#include <thread>

#include "storage/file_set.hpp"
#include "tests/storage/test_support.hpp"

namespace ivy::storage {
namespace {

using namespace testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

class SqliteRecorderTest : public ::testing::Test {
 protected:
  SqliteRecorderOptions options() {
    SqliteRecorderOptions o;
    o.path = dir_.file("ivyd.db");
    o.meta = RecordingMeta{"host", "127:2010", "test", "digest"};
    o.batch_interval = 20ms;
    o.retry_interval = 50ms;
    o.log = [this](LogLevel, const std::string& line) {
      std::lock_guard lock(log_mutex_);
      log_ += line + "\n";
    };
    return o;
  }
  std::string log() {
    std::lock_guard lock(log_mutex_);
    return log_;
  }
  std::int64_t count(const char* sql) { return query_int(dir_.file("ivyd.db"), sql); }
  static void append_messages(RecordSink& sink, int n, int first = 0) {
    for (int i = first; i < first + n; ++i) {
      ASSERT_TRUE(sink.try_append(message(1, "m" + std::to_string(i), i, {{2, 1}})));
    }
  }

  TempDir dir_;
  std::mutex log_mutex_;
  std::string log_;
};

TEST_F(SqliteRecorderTest, CommitsRecordsInBatches) {
  auto o = options();
  o.batch_rows = 100;
  SqliteRecorder rec(o);
  ASSERT_TRUE(rec.try_append(join(1, "A")));
  append_messages(rec, 1000);
  ASSERT_TRUE(rec.flush(5s));
  const SinkStats s = rec.stats();
  EXPECT_EQ(s.written, 1001u);
  EXPECT_GE(s.batches, 1u);
  EXPECT_LT(s.batches, 1001u);
  EXPECT_EQ(count("SELECT count(*) FROM message"), 1000);
  EXPECT_EQ(count("SELECT count(*) FROM receiver"), 1000);
  EXPECT_NE(log().find("recording to"), std::string::npos);
}

TEST_F(SqliteRecorderTest, CommitsWithin100MsUnderLightTraffic) {
  auto o = options();
  o.batch_interval = 50ms;
  SqliteRecorder rec(o);
  ASSERT_TRUE(wait_until([&] { return rec.stats().files == 1; }));
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(rec.try_append(message(1, "lonely", 1)));
  ASSERT_TRUE(wait_until([&] { return count("SELECT count(*) FROM message") == 1; }, 2s));
  EXPECT_LE(std::chrono::steady_clock::now() - start, 100ms);
}

TEST_F(SqliteRecorderTest, WhenQueueIsFullDropsThenWritesGap) {
  auto o = options();
  o.queue_capacity = 10;
  o.batch_rows = 1'000'000;  // only the timer wakes the writer
  o.batch_interval = 100ms;
  SqliteRecorder rec(o);
  int accepted = 0;
  for (int i = 0; i < 1000; ++i) accepted += rec.try_append(message(1, "x", i + 1));
  ASSERT_LT(accepted, 1000);
  ASSERT_TRUE(rec.flush(5s));
  ASSERT_TRUE(rec.try_append(message(1, "after", 5000)));
  ASSERT_TRUE(rec.flush(5s));
  const auto dropped = static_cast<std::int64_t>(1000 - accepted);
  EXPECT_EQ(rec.stats().dropped, static_cast<std::uint64_t>(dropped));
  EXPECT_EQ(count("SELECT code FROM event WHERE kind = 'gap'"), dropped);
  EXPECT_EQ(count("SELECT end_ns FROM event WHERE kind = 'gap'"), 5000);
}

// A lock shorter than the queue can absorb: appending never waits, and once
// the lock is released everything is stored (no drop, no gap).
TEST_F(SqliteRecorderTest, ALockShorterThanTheQueueNeverBlocksAndLosesNothing) {
  SqliteRecorder rec(options());
  ASSERT_TRUE(rec.try_append(join(1, "A")));
  ASSERT_TRUE(rec.flush(5s));
  auto locker = Database::open(rec.current_file(), OpenMode::kReadWriteCreate);
  ASSERT_TRUE(locker);
  ASSERT_TRUE(locker->exec("BEGIN EXCLUSIVE"));
  auto worst = std::chrono::nanoseconds(0);
  int appended = 0;
  const auto end = std::chrono::steady_clock::now() + 600ms;
  while (std::chrono::steady_clock::now() < end) {
    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(rec.try_append(message(1, "x", ++appended)));
    worst = std::max(worst, std::chrono::steady_clock::now() - t0);
    if (appended % 100 == 0) std::this_thread::sleep_for(1ms);  // stay well inside the queue
  }
  EXPECT_LT(worst, 50ms);  // generous: a shared 2-core machine may preempt us
  ASSERT_TRUE(wait_until([&] { return !rec.stats().last_error.empty(); }));
  EXPECT_NE(rec.stats().last_error.find("locked"), std::string::npos) << rec.stats().last_error;
  EXPECT_GT(rec.stats().queued, 0u);  // held or queued, not lost
  ASSERT_TRUE(locker->exec("COMMIT"));
  ASSERT_TRUE(rec.flush(5s));
  EXPECT_EQ(rec.stats().dropped, 0u);
  EXPECT_EQ(count("SELECT count(*) FROM message"), appended);
  EXPECT_EQ(count("SELECT count(*) FROM event WHERE kind = 'gap'"), 0);
  EXPECT_EQ(count("SELECT max(wall_ns) FROM message"), appended);  // in order, the last one last
  EXPECT_NE(log().find("is writable again after"), std::string::npos) << log();
}

// A lock longer than the queue can absorb: the batch met by the lock and a
// full queue are kept, only the overflow is dropped, and a gap counts it.
TEST_F(SqliteRecorderTest, ALockLongerThanTheQueueDropsOnlyTheOverflowAndRecordsAGap) {
  auto o = options();
  o.queue_capacity = 100;
  SqliteRecorder rec(o);
  ASSERT_TRUE(rec.try_append(join(1, "A")));
  ASSERT_TRUE(rec.flush(5s));
  auto locker = Database::open(rec.current_file(), OpenMode::kReadWriteCreate);
  ASSERT_TRUE(locker);
  ASSERT_TRUE(locker->exec("BEGIN IMMEDIATE"));
  int accepted = 0;
  for (int i = 1; i <= 1000; ++i) {
    accepted += rec.try_append(message(1, "x", i));
    if (i == 50) {  // the first 50 meet the lock and are held
      ASSERT_TRUE(wait_until([&] { return !rec.stats().last_error.empty(); }));
    }
  }
  EXPECT_GE(accepted, 150);  // the 50 held + a full queue
  EXPECT_LT(accepted, 1000);
  ASSERT_TRUE(locker->exec("COMMIT"));
  ASSERT_TRUE(wait_until([&] { return rec.stats().queued == 0; }));  // held and queued stored
  ASSERT_TRUE(rec.try_append(message(1, "after", 5000)));             // brings the gap
  ASSERT_TRUE(rec.flush(5s));
  const auto dropped = static_cast<std::int64_t>(rec.stats().dropped);
  EXPECT_EQ(dropped, 1000 - accepted);
  EXPECT_EQ(count("SELECT count(*) FROM message"), accepted + 1);
  EXPECT_EQ(count("SELECT sum(code) FROM event WHERE kind = 'gap'"), dropped);
  EXPECT_EQ(count("SELECT count(*) FROM message") - 1 + count("SELECT sum(code) FROM event WHERE kind = 'gap'"),
            1000);
}

// Closing while another connection keeps the lock: bounded, and what was
// still held is counted as dropped.
TEST_F(SqliteRecorderTest, CloseWhileLockedGivesUpWithinASecondAndCountsWhatWasHeld) {
  SqliteRecorder rec(options());
  ASSERT_TRUE(rec.try_append(join(1, "A")));
  ASSERT_TRUE(rec.flush(5s));
  auto locker = Database::open(rec.current_file(), OpenMode::kReadWriteCreate);
  ASSERT_TRUE(locker);
  ASSERT_TRUE(locker->exec("BEGIN IMMEDIATE"));
  append_messages(rec, 10);
  ASSERT_TRUE(wait_until([&] { return !rec.stats().last_error.empty(); }));
  const auto t0 = std::chrono::steady_clock::now();
  rec.close();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_EQ(rec.stats().dropped, 10u);
  EXPECT_NE(log().find("10 records were not written"), std::string::npos) << log();
  ASSERT_TRUE(locker->exec("COMMIT"));
  EXPECT_EQ(count("SELECT count(*) FROM message"), 0);
}

TEST_F(SqliteRecorderTest, UnwritablePathIsReportedAndRecordingResumesWhenFixed) {
  std::ofstream(dir_.file("blocker")) << "not a directory";
  auto o = options();
  o.path = dir_.file("blocker/ivyd.db");
  SqliteRecorder rec(o);
  ASSERT_TRUE(wait_until([&] { return !rec.stats().last_error.empty(); }));
  EXPECT_FALSE(rec.stats().available);
  EXPECT_NE(log().find("cannot record to " + dir_.file("blocker/")), std::string::npos) << log();
  EXPECT_TRUE(rec.try_append(message(1, "lost", 1)));  // queued, then dropped
  ASSERT_TRUE(wait_until([&] { return rec.stats().dropped == 1; }));
  fs::remove(dir_.file("blocker"));
  fs::create_directory(dir_.file("blocker"));
  ASSERT_TRUE(wait_until([&] { return rec.stats().available; }));
  ASSERT_TRUE(rec.try_append(message(1, "kept", 2)));
  ASSERT_TRUE(rec.flush(5s));
  EXPECT_EQ(query_int(o.path, "SELECT count(*) FROM message"), 1);
  EXPECT_EQ(query_int(o.path, "SELECT code FROM event WHERE kind = 'gap'"), 1);
}

TEST_F(SqliteRecorderTest, CorruptFileIsMovedAsideAndRecordingResumes) {
  std::string first;
  {
    SqliteRecorder rec(options());
    append_messages(rec, 10);
    ASSERT_TRUE(rec.flush(5s));
    first = rec.current_file();
  }
  std::ofstream(first, std::ios::binary | std::ios::trunc) << std::string(8192, 'G');
  SqliteRecorder rec(options());
  append_messages(rec, 5);
  ASSERT_TRUE(rec.flush(5s));
  EXPECT_TRUE(fs::exists(rec.current_file()));
  EXPECT_EQ(count("SELECT count(*) FROM message"), 5);
  EXPECT_NE(log().find("corrupt"), std::string::npos) << log();
  int aside = 0;
  for (const auto& e : fs::directory_iterator(dir_.path())) {
    aside += e.path().string().find(".corrupt-") != std::string::npos;
  }
  EXPECT_GE(aside, 1);
}

TEST_F(SqliteRecorderTest, AppendsToNewestFileOnRestart) {
  for (int run = 0; run < 2; ++run) {
    SqliteRecorder rec(options());
    append_messages(rec, 10, run * 10);
    rec.close();
  }
  EXPECT_EQ(FileSet(dir_.file("ivyd.db")).files().size(), 1u);
  EXPECT_EQ(count("SELECT count(*) FROM recordings WHERE stopped_ns IS NOT NULL"), 2);
  EXPECT_EQ(count("SELECT count(*) FROM message"), 20);
}

TEST_F(SqliteRecorderTest, RotatesBySize) {
  auto o = options();
  o.rotate_bytes = 64 * 1024;
  o.batch_rows = 200;
  SqliteRecorder rec(o);
  ASSERT_TRUE(rec.try_append(join(1, "A")));
  for (int i = 0; i < 10; ++i) {
    append_messages(rec, 300, i * 300);
    ASSERT_TRUE(rec.flush(5s));
  }
  const auto files = FileSet(o.path).files();
  EXPECT_GE(files.size(), 3u);
  std::int64_t total = 0;
  for (const auto& f : files) {
    total += query_int(f.path, "SELECT count(*) FROM message");
    // Every file knows agent A, so its messages name their sender.
    EXPECT_EQ(query_int(f.path, "SELECT count(*) FROM agent WHERE name = 'A'"), 1) << f.path;
  }
  EXPECT_EQ(total, 3000);
  EXPECT_EQ(rec.stats().files, files.size());
}

TEST_F(SqliteRecorderTest, FileDeletedUnderItIsReportedAndANewFileStarted) {
  auto o = options();
  SqliteRecorder rec(o);
  ASSERT_TRUE(rec.try_append(join(1, "A")));
  append_messages(rec, 10);
  ASSERT_TRUE(rec.flush(5s));
  const std::string first = rec.current_file();
  ASSERT_FALSE(first.empty());
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(first + suffix);
  // The writer notices within a tick and starts a new file (it may get the
  // same name when that is free again).
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  while (log().find("was deleted while in use") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_NE(log().find("was deleted while in use"), std::string::npos) << log();
  append_messages(rec, 5, 100);
  ASSERT_TRUE(rec.flush(5s));
  ASSERT_TRUE(std::filesystem::exists(rec.current_file()));
  EXPECT_EQ(query_int(rec.current_file(), "SELECT count(*) FROM message"), 5);
  EXPECT_EQ(rec.stats().files, 2u);
}

// A small tmpfs fills up: the recorder reports it, drops and counts, keeps
// what was committed intact, and resumes (with a gap event) once there is
// room again. Needs root to mount; skipped otherwise.
TEST_F(SqliteRecorderTest, DiskFullIsReportedAndRecordingResumesWhenThereIsRoom) {
  const std::string mnt = dir_.file("disk");
  std::filesystem::create_directory(mnt);
  if (std::system(("mount -t tmpfs -o size=256k tmpfs " + mnt + " 2>/dev/null").c_str()) != 0) {
    GTEST_SKIP() << "cannot mount a small tmpfs (not root?)";
  }
  struct Unmount {
    std::string path;
    ~Unmount() { (void)std::system(("umount " + path).c_str()); }
  } unmount{mnt};
  {
    auto o = options();
    o.path = mnt + "/ivyd.db";
    SqliteRecorder rec(o);
    ASSERT_TRUE(rec.try_append(join(1, "A")));
    const std::string big(2000, 'x');
    int i = 0;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (rec.stats().dropped == 0 && std::chrono::steady_clock::now() < deadline) {
      for (int k = 0; k < 20; ++k, ++i) (void)rec.try_append(message(1, big + std::to_string(i), i));
      (void)rec.flush(2s);
    }
    ASSERT_GT(rec.stats().dropped, 0u) << "the disk never filled up";
    EXPECT_FALSE(rec.stats().last_error.empty());
    const std::string file = rec.current_file();
    const auto committed = query_int(file, "SELECT count(*) FROM message");
    EXPECT_GT(committed, 0);
    EXPECT_EQ(query_int(file, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"), 1);

    // Room again: recording resumes, and the loss is recorded as a gap.
    ASSERT_EQ(std::system(("mount -o remount,size=8m " + mnt).c_str()), 0);
    const auto before = rec.stats().written;
    for (int k = 0; k < 5; ++k, ++i) ASSERT_TRUE(rec.try_append(message(1, "after " + std::to_string(k), i)));
    ASSERT_TRUE(wait_until([&] { return rec.stats().written >= before + 5; }));
    ASSERT_TRUE(rec.flush(5s));
    EXPECT_EQ(query_int(rec.current_file(), "SELECT count(*) FROM message WHERE text LIKE 'after %'"), 5);
    EXPECT_GE(query_int(rec.current_file(), "SELECT count(*) FROM event WHERE kind = 'gap'"), 1);
    EXPECT_GE(query_int(rec.current_file(), "SELECT count(*) FROM message"), committed);
    rec.close();
  }
}

TEST_F(SqliteRecorderTest, RotatesByDurationWithInjectedClock) {
  FakeClock clock;
  auto o = options();
  o.clock = &clock;
  o.rotate_after = 60s;
  SqliteRecorder rec(o);
  ASSERT_TRUE(rec.try_append(join(1, "A")));
  ASSERT_TRUE(rec.try_append(bind(1, 3, "^x", 2)));
  ASSERT_TRUE(rec.flush(5s));
  const std::string first = rec.current_file();
  clock.advance_s(61);
  ASSERT_TRUE(wait_until([&] { return rec.current_file() != first; }));
  ASSERT_TRUE(rec.try_append(message(1, "x", 3, {{1, 3}})));
  ASSERT_TRUE(rec.flush(5s));
  EXPECT_EQ(rec.current_file(), dir_.file("ivyd-20261125-100101.db"));
  EXPECT_EQ(count("SELECT count(*) FROM subscription WHERE pattern = '^x'"), 1);
  EXPECT_EQ(query_int(first, "SELECT count(*) FROM recordings WHERE stopped_ns IS NOT NULL"), 1);
}

TEST_F(SqliteRecorderTest, RetentionDeletesFilesOlderThanMaxAge) {
  // Only the injected clock counts: it names the files, and a file's age is
  // the time since its successor started. Each jump rotates (1 h), then
  // retention runs.
  FakeClock clock;
  auto o = options();
  o.clock = &clock;
  o.rotate_after = 3600s;
  o.retain_for = 86400s;
  SqliteRecorder rec(o);
  ASSERT_TRUE(wait_until([&] { return rec.stats().files == 1; }));
  clock.advance_s(2 * 3600);
  ASSERT_TRUE(wait_until([&] { return rec.stats().files == 2; })) << log();
  ASSERT_EQ(FileSet(o.path).files().size(), 2u);
  clock.advance_s(3 * 86400);  // the first file was written until 3 days ago, the second until now
  ASSERT_TRUE(wait_until([&] { return rec.stats().files == 3; }));
  ASSERT_TRUE(wait_until([&] { return FileSet(o.path).files().size() == 2; })) << log();
  const auto kept = FileSet(o.path).files();
  EXPECT_EQ(kept[0].path, dir_.file("ivyd-20261125-120000.db"));
  EXPECT_EQ(kept[1].path, rec.current_file());
  // The line is logged once the file and its -wal/-shm are gone: after the
  // listing above may already see the file missing.
  EXPECT_TRUE(wait_until([&] {
    return log().find("retention: deleted " + dir_.file("ivyd-20261125-100000.db")) != std::string::npos;
  })) << log();
}

TEST_F(SqliteRecorderTest, RetentionTellsBeforeDeletingAFile) {
  FakeClock clock;
  auto o = options();
  o.clock = &clock;
  o.rotate_after = 3600s;
  o.retain_for = 86400s;
  std::mutex mutex;
  std::vector<std::pair<std::string, bool>> told;  // path, existed when told
  o.before_delete = [&](const std::string& path) {
    std::lock_guard lock(mutex);
    told.emplace_back(path, std::filesystem::exists(path));
  };
  SqliteRecorder rec(o);
  ASSERT_TRUE(wait_until([&] { return rec.stats().files == 1; }));
  clock.advance_s(2 * 3600);
  ASSERT_TRUE(wait_until([&] { return rec.stats().files == 2; }));
  clock.advance_s(3 * 86400);
  ASSERT_TRUE(wait_until([&] { return FileSet(o.path).files().size() == 2 && rec.stats().files == 3; }));
  std::lock_guard lock(mutex);
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].first, dir_.file("ivyd-20261125-100000.db"));
  EXPECT_TRUE(told[0].second);
}

TEST_F(SqliteRecorderTest, CloseMarksRecordingStoppedAndRefusesRecords) {
  SqliteRecorder rec(options());
  append_messages(rec, 3);
  rec.close();
  rec.close();
  EXPECT_FALSE(rec.try_append(message(1, "late", 9)));
  EXPECT_EQ(count("SELECT count(*) FROM message"), 3);
  EXPECT_EQ(count("SELECT count(*) FROM recordings WHERE stopped_ns IS NOT NULL"), 1);
}

}  // namespace
}  // namespace ivy::storage
