// kill -9 of the real ivyd during heavy recording, 50 times on the same
// recording (docs/reliability.md): after every kill the database opens,
// PRAGMA integrity_check is "ok", message ids have no holes, nothing that
// was committed before is lost, and what a run recorded is a prefix of what
// its sender sent. The loss per kill is measured against the messages sent
// in the last batch interval before the kill.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <random>

#include "tests/daemon/hostile_input_support.hpp"

namespace ivy::daemon::test {
namespace {

using Clock = std::chrono::steady_clock;

// What one look at the recording found.
struct DbCheck {
  bool opened = false;
  std::string integrity;
  long long messages = 0, min_id = 0, max_id = 0;
  long long of_run = 0;          // messages "crash <run> <seq>" of the run looked at
  long long highest_seq = -1;    // the largest <seq> of that run
};

DbCheck check_db(const std::string& path, int run) {
  DbCheck c;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return c;
  }
  c.opened = true;
  sqlite3_busy_timeout(db, 2000);
  auto each_row = [&](const std::string& sql, const std::function<void(sqlite3_stmt*)>& row) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      c.integrity = std::string("prepare failed: ") + sqlite3_errmsg(db);
      return;
    }
    while (sqlite3_step(st) == SQLITE_ROW) row(st);
    sqlite3_finalize(st);
  };
  each_row("PRAGMA integrity_check", [&](sqlite3_stmt* st) {
    c.integrity += reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  });
  each_row("SELECT count(*), coalesce(min(id), 0), coalesce(max(id), 0) FROM message", [&](sqlite3_stmt* st) {
    c.messages = sqlite3_column_int64(st, 0);
    c.min_id = sqlite3_column_int64(st, 1);
    c.max_id = sqlite3_column_int64(st, 2);
  });
  const std::string prefix = "crash " + std::to_string(run) + " ";
  each_row("SELECT text FROM message WHERE text LIKE '" + prefix + "%'", [&](sqlite3_stmt* st) {
    ++c.of_run;
    const std::string text = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    c.highest_seq = std::max(c.highest_seq, std::stoll(text.substr(prefix.size())));
  });
  sqlite3_close(db);
  return c;
}

TEST(CrashRecording, FiftyKillNineDuringHeavyRecordingLoseAtMostOneBatch) {
  constexpr int kRuns = 50;
  constexpr int kBatchIntervalMs = 50;  // the default
  const auto port = unique_bus_port();
  IvydUnderTest ivyd(port, R"("max_frame_bytes": "1MiB")", kBatchIntervalMs);
  const auto db_path = ivyd.dir.file("rec.db");
  asio::io_context io;
  Logger log(LogLevel::kError, Logger::Style::kPlain);
  std::mt19937 random(20240601);
  const auto t_all = Clock::now();

  long long previous_messages = 0;
  long long total_sent = 0, total_lost = 0, worst_loss = 0, worst_last_batch = 0;
  std::vector<long long> losses;
  for (int run = 0; run < kRuns; ++run) {
    SCOPED_TRACE("run " + std::to_string(run));
    ASSERT_TRUE(ivyd.start()) << "ivyd did not start on the recording left by kill " << run << ":\n" << ivyd.log();
    auto sender = std::make_unique<TestAgent>(io, log, "BLASTER", port);
    ASSERT_TRUE((*sender)->start().ok());
    ASSERT_TRUE(run_until(io, [&] { return (*sender)->peers().size() == 1 && peer_subscriptions(**sender) == 1; },
                          5000ms))
        << ivyd.log();

    // Blast until a random moment 50-300 ms in, then SIGKILL.
    const auto kill_after = std::chrono::milliseconds(50 + random() % 251);
    std::deque<Clock::time_point> sent_at;  // of every message sent in this run
    const auto t0 = Clock::now();
    long long sent = 0;
    while (Clock::now() - t0 < kill_after) {
      // Keep the sender's own queue short: a frame it dropped would look
      // like a recording loss.
      // 20,000 msg/s: heavy, but what ivyd records in real time, so what is
      // lost is the last batch and not a backlog ivyd had not read yet.
      const auto peers = (*sender)->peers();
      if (peers.empty() || peers.front().queued_bytes > 256 * 1024 || sent >= (Clock::now() - t0) / 50us) {
        io.poll();
        continue;
      }
      for (int i = 0; i < 100; ++i) {
        (void)(*sender)->send("crash " + std::to_string(run) + " " + std::to_string(sent++));
        sent_at.push_back(Clock::now());
      }
      io.poll();  // let the sender's socket write
    }
    ASSERT_EQ((*sender)->counters().frames_dropped, 0u);
    ivyd.process().signal(SIGKILL);
    const auto killed_at = Clock::now();
    ASSERT_EQ(ivyd.process().wait_for(5000ms), std::optional<int>(128 + SIGKILL));
    sender.reset();
    io.poll();
    const auto last_batch = std::count_if(sent_at.begin(), sent_at.end(), [&](auto t) {
      // The batch being gathered and the one being committed at the kill.
      return killed_at - t <= std::chrono::milliseconds(2 * kBatchIntervalMs);
    });

    const auto c = check_db(db_path, run);
    ASSERT_TRUE(c.opened) << "the recording does not open after kill " << run;
    ASSERT_EQ(c.integrity, "ok");
    EXPECT_EQ(c.max_id - c.min_id + 1, c.messages) << "message ids have holes";
    EXPECT_GE(c.messages, previous_messages) << "committed messages were lost";
    // What this run recorded is exactly the first messages it sent.
    EXPECT_EQ(c.of_run, c.highest_seq + 1) << "the run's recorded messages are not a prefix of what it sent";
    const long long lost = sent - c.of_run;
    EXPECT_LE(lost, std::max<long long>(last_batch, 0) + 1)
        << "lost " << lost << " of " << sent << ", but only " << last_batch << " were sent in the last "
        << 2 * kBatchIntervalMs << " ms";
    previous_messages = c.messages;
    total_sent += sent;
    total_lost += lost;
    worst_loss = std::max(worst_loss, lost);
    worst_last_batch = std::max<long long>(worst_last_batch, last_batch);
    losses.push_back(lost);
    if (HasFatalFailure()) return;
  }
  // Nothing odd beside the recording (rec.db links to the current
  // rec-<time>.db; hyperscan-cache holds compiled databases): no file moved
  // aside as corrupt.
  for (const auto& entry : std::filesystem::directory_iterator(ivyd.dir.path)) {
    const auto name = entry.path().filename().string();
    EXPECT_TRUE(name.rfind("rec.db", 0) == 0 || name.rfind("rec-", 0) == 0 || name == "ivyd.json" ||
                name == "ivyd.sock" || name == "err" || name == "out" || name == "hyperscan-cache")
        << "unexpected file " << name;  // e.g. a recording moved aside as corrupt
    EXPECT_EQ(name.find("corrupt"), std::string::npos) << name;
  }
  std::sort(losses.begin(), losses.end());
  std::printf("[figures] kill -9 x %d: %lld ms in all, %lld messages sent, %lld recorded, %lld lost "
              "(per kill: median %lld, max %lld; max sent in the last %d ms before a kill: %lld)\n",
              kRuns, static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t_all).count()),
              total_sent, previous_messages, total_lost, losses[losses.size() / 2], worst_loss, 2 * kBatchIntervalMs,
              worst_last_batch);
}

}  // namespace
}  // namespace ivy::daemon::test
