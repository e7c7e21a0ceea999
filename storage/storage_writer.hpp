#pragma once
// StorageWriter: the writer thread's logic, without the thread. Stores each
// batch in the current recording file in one transaction, rotates files by
// size or age, deletes old files (retention) and survives storage failures:
//
//   open fails / read-only / I/O error -> log, drop batches (counted), retry
//                                         opening every retry_interval
//   SQLITE_BUSY / LOCKED on write      -> another connection holds the write
//                                         lock: log, keep the batch (held)
//                                         and store it on retry_held()
//   SQLITE_FULL on write               -> log, drop that batch, keep the file
//   SQLITE_CORRUPT / NOTADB            -> move the file aside (never deleted),
//                                         start a new one
// After a loss, the first batch stored is preceded by a gap event with the
// number of records lost. Committed batches are never touched.
//
// A lock is waited out rather than costing the batches that meet it: the
// caller stops handing over new records while holding(), so its bounded queue
// absorbs the lock and counts only what overflows (SqliteRecorder does).
//
// Thread: process()/retry_held()/tick()/start()/finish() from one thread;
// stats() from any.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/file_set.hpp"
#include "storage/live_state.hpp"
#include "storage/record.hpp"
#include "storage/recorder_options.hpp"
#include "storage/recording_file.hpp"

namespace ivy::storage {

struct WriterStats {
  std::uint64_t written = 0;
  std::uint64_t batches = 0;
  std::uint64_t dropped = 0;
  std::uint64_t files = 0;
  std::int64_t lag_ns = 0;
  bool available = false;
  std::uint64_t held = 0;  // records kept while the database is locked
  std::string last_error;  // the most recent error, kept after recovery
  std::string current_file;
};

class StorageWriter {
 public:
  explicit StorageWriter(SqliteRecorderOptions options);
  ~StorageWriter();

  void start();
  // True if the batch was committed. Otherwise it was dropped and counted,
  // or, if holding() now, kept because the database is locked. While
  // holding(), a new batch is added behind the held one, keeping order.
  bool process(const std::vector<Record>& batch);
  // A batch is kept because another connection holds the database lock.
  bool holding() const { return !held_.empty(); }
  std::size_t held_records() const { return held_.size(); }
  // Tries the held batch again (waiting at most the busy timeout): true
  // once it is stored (or if nothing was held).
  bool retry_held();
  // Gives up on the held batch: dropped and counted.
  void drop_held();
  // Periodic work: retry opening, rotation by age, retention.
  void tick();
  // Stops the recording (stopped_ns) and closes the file. A batch still
  // held is dropped (drop_held()).
  void finish();

  WriterStats stats() const;

 private:
  Stamp now() const;
  enum class Outcome { kStored, kDropped, kLocked };

  bool ensure_open();
  void open_file(bool reuse);
  bool try_open(const std::string& path);
  Outcome commit(const std::vector<Record>& batch);
  Outcome store(const std::vector<Record>& batch);
  void on_write_error(const Error& error);
  void on_lock_released();
  void publish_held();
  void close_file();
  void drop(const std::vector<Record>& batch);
  void rotate_if_due();
  void retain();
  void report(LogLevel level, const std::string& text);
  void set_available(bool available);

  SqliteRecorderOptions options_;
  const Clock* clock_;
  FileSet files_;
  LiveState live_;
  std::unique_ptr<RecordingFile> file_;
  std::int64_t file_started_mono_ = 0;
  std::int64_t next_retry_mono_ = 0;
  std::int64_t next_retention_mono_ = 0;
  GapRecord pending_gap_;
  std::vector<Record> held_;         // refused by a lock, stored first
  std::int64_t locked_since_mono_ = 0;  // 0: not locked
  bool first_open_ = true;
  std::string repeating_;  // last error logged; cleared by the next success

  mutable std::mutex mutex_;  // guards stats_ for readers on other threads
  WriterStats stats_;
};

}  // namespace ivy::storage
