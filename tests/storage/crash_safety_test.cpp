// Crash safety of SqliteRecorder: a forked child records as fast as it can and
// is killed with SIGKILL at random moments. After every kill the database must
// open, pass PRAGMA integrity_check, and hold a gap-free prefix of what the
// child appended that includes everything the child had seen committed.

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <random>

#include <gtest/gtest.h>

#include "storage/sqlite_recorder.hpp"
#include "tests/storage/test_support.hpp"

namespace ivy::storage {
namespace {

using namespace testing;
using namespace std::chrono_literals;

constexpr int kRounds = 24;
constexpr std::int64_t kRoundNs = 1'000'000'000'000;  // wall_ns space per round

struct Shared {
  std::atomic<std::int64_t> committed{0};  // messages known committed
  std::atomic<int> started{0};
};

[[noreturn]] void record_until_killed(const std::string& path, int round, Shared* shared) {
  SqliteRecorderOptions o;
  o.path = path;
  o.batch_interval = 10ms;
  o.batch_rows = 500;
  SqliteRecorder rec(o);
  rec.try_append(join(1, "crash", round * kRoundNs));
  // Killed before the writer has created its file, the parent would find
  // nothing to check (and create an empty file at the configured path).
  while (rec.stats().files == 0) std::this_thread::sleep_for(1ms);
  shared->started = 1;
  for (std::int64_t seq = 0;; ++seq) {
    // Retry instead of dropping, so the stored rows must be a gap-free prefix.
    while (!rec.try_append(message(1, "crash test payload", round * kRoundNs + seq + 1))) {
      std::this_thread::yield();
    }
    if (seq % 2000 == 1999 && rec.flush(2s)) shared->committed = seq + 1;
  }
}

struct RoundRows {
  std::int64_t count = 0, first = 0, last = 0;
};

RoundRows rows_of_round(Database& db, int round) {
  auto s = db.prepare("SELECT count(*), coalesce(min(wall_ns), 0), coalesce(max(wall_ns), 0) "
                      "FROM message WHERE wall_ns > ?1 AND wall_ns <= ?2");
  if (!s) {
    ADD_FAILURE() << s.error().message;
    return {};
  }
  s->bind(1, std::int64_t{round} * kRoundNs);
  s->bind(2, std::int64_t{round + 1} * kRoundNs - 1);
  EXPECT_EQ(s->step(), SQLITE_ROW);
  return RoundRows{s->int64(0), s->int64(1), s->int64(2)};
}

TEST(CrashSafety, SurvivesRepeatedKillNineWithoutLosingCommittedRows) {
  TempDir dir;
  auto* shared = static_cast<Shared*>(mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE,
                                           MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(shared, MAP_FAILED);
  std::mt19937 random(12345);
  std::int64_t total_committed = 0;
  for (int round = 0; round < kRounds; ++round) {
    // A fresh file every 8 rounds bounds the integrity_check time; within a
    // file each child reopens what the previous one left after SIGKILL.
    const std::string path = dir.file("crash" + std::to_string(round / 8) + ".db");
    new (shared) Shared{};
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) record_until_killed(path, round, shared);
    ASSERT_TRUE(wait_until([&] { return shared->started.load() == 1; }, 5s));
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + random() % 150));
    ASSERT_EQ(kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status));

    auto db = Database::open(path, OpenMode::kReadWriteCreate);
    ASSERT_TRUE(db) << "round " << round << ": " << db.error().message;
    auto integrity = db->query_text("PRAGMA integrity_check");
    ASSERT_TRUE(integrity) << "round " << round << ": " << integrity.error().message;
    EXPECT_EQ(*integrity, "ok") << "round " << round;
    const RoundRows rows = rows_of_round(*db, round);
    const std::int64_t committed = shared->committed.load();
    EXPECT_GE(rows.count, committed) << "round " << round << ": committed rows lost";
    if (rows.count > 0) {
      EXPECT_EQ(rows.first, std::int64_t{round} * kRoundNs + 1) << "round " << round;
      EXPECT_EQ(rows.last - rows.first + 1, rows.count) << "round " << round << ": hole";
    }
    total_committed += committed;
  }
  munmap(shared, sizeof(Shared));
  EXPECT_GT(total_committed, 0);  // the children really got batches through
}

}  // namespace
}  // namespace ivy::storage
