#include "storage/sqlite_recorder.hpp"

#include <algorithm>

namespace ivy::storage {

SqliteRecorder::SqliteRecorder(SqliteRecorderOptions options)
    : batch_interval_(std::clamp(options.batch_interval, std::chrono::milliseconds(1),
                                 std::chrono::milliseconds(100))),
      queue_(options.queue_capacity, options.control_reserve, options.batch_rows),
      writer_(std::move(options)),
      thread_([this] { run(); }) {}

SqliteRecorder::~SqliteRecorder() { close(); }

void SqliteRecorder::run() {
  writer_.start();
  std::vector<Record> batch;
  for (;;) {
    const auto deadline = std::chrono::steady_clock::now() + batch_interval_;
    const bool open = queue_.wait_take(batch, deadline);
    const bool ok = writer_.process(batch);
    {
      std::lock_guard lock(done_mutex_);
      done_ += batch.size();
      if (!batch.empty()) last_batch_ok_ = ok;
    }
    done_cv_.notify_all();
    batch.clear();
    if (!open) break;
    writer_.tick();
  }
  writer_.finish();
}

bool SqliteRecorder::try_append(Record record) { return queue_.try_push(std::move(record)); }

SinkStats SqliteRecorder::stats() const {
  const WriterStats w = writer_.stats();
  SinkStats s;
  s.queued = queue_.size();
  s.peak_queued = queue_.peak();
  s.dropped = queue_.dropped() + w.dropped;
  s.written = w.written;
  s.batches = w.batches;
  s.files = w.files;
  s.lag_ns = w.lag_ns;
  s.available = w.available;
  s.last_error = w.last_error;
  return s;
}

Status SqliteRecorder::flush(std::chrono::milliseconds timeout) {
  const std::uint64_t target = queue_.accepted();
  queue_.wake();
  std::unique_lock lock(done_mutex_);
  if (!done_cv_.wait_for(lock, timeout, [&] { return done_ >= target; })) {
    return fail("flush timed out");
  }
  if (!last_batch_ok_) {
    lock.unlock();
    return fail("last batch not stored: " + writer_.stats().last_error);
  }
  return {};
}

void SqliteRecorder::close() {
  std::lock_guard lock(close_mutex_);
  if (closed_) return;
  closed_ = true;
  queue_.close();
  if (thread_.joinable()) thread_.join();
}

std::string SqliteRecorder::current_file() const { return writer_.stats().current_file; }

}  // namespace ivy::storage
