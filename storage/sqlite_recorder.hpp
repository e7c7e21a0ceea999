#pragma once
// SqliteRecorder: the real RecordSink. The bus thread appends into a bounded
// RecordQueue; one writer thread takes everything queued (at least every
// batch_interval, sooner when batch_rows are waiting) and hands it to a
// StorageWriter, which commits it as one transaction. The bus thread never
// touches the disk: when the queue is full records are dropped, counted, and
// a gap event records the loss. While another connection holds the database
// lock, the writer keeps retrying the batch it has and takes nothing new, so
// a lock shorter than the queue can absorb loses nothing.
//
// Lifetime: the writer thread starts in the constructor and stops in close()
// (or the destructor), after writing what was queued.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "storage/record_queue.hpp"
#include "storage/record_sink.hpp"
#include "storage/recorder_options.hpp"
#include "storage/storage_writer.hpp"

namespace ivy::storage {

class SqliteRecorder final : public RecordSink {
 public:
  // Never fails: if the database cannot be opened the error is logged and in
  // stats(), records are dropped, and opening is retried.
  explicit SqliteRecorder(SqliteRecorderOptions options);
  ~SqliteRecorder() override;

  SqliteRecorder(const SqliteRecorder&) = delete;
  SqliteRecorder& operator=(const SqliteRecorder&) = delete;

  bool try_append(Record record) override;
  SinkStats stats() const override;
  Status flush(std::chrono::milliseconds timeout) override;
  void close() override;

  // The file being written now (empty while storage is unavailable).
  std::string current_file() const;

 private:
  void run();
  void retry_held(std::chrono::steady_clock::time_point deadline, int& attempts_after_close);
  // `records` taken from the queue are committed (ok) or dropped.
  void mark_done(std::size_t records, bool ok);

  std::chrono::milliseconds batch_interval_;
  RecordQueue queue_;
  StorageWriter writer_;

  mutable std::mutex done_mutex_;
  std::condition_variable done_cv_;
  std::uint64_t done_ = 0;        // records taken and committed or dropped
  bool last_batch_ok_ = true;

  std::mutex close_mutex_;
  bool closed_ = false;
  std::thread thread_;  // last: starts after everything above exists
};

}  // namespace ivy::storage
