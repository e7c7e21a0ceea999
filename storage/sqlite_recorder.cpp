#include "storage/sqlite_recorder.hpp"

#include <algorithm>

namespace ivy::storage {
namespace {

// Attempts at a locked database once the recorder is closing, each waiting
// up to the busy timeout (200 ms): shutdown is delayed at most about 1 s.
constexpr int kAttemptsAfterClose = 5;

}  // namespace

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
  bool open = true;
  int attempts_after_close = 0;
  while (open || writer_.holding()) {
    const auto deadline = std::chrono::steady_clock::now() + batch_interval_;
    if (writer_.holding()) {
      retry_held(deadline, attempts_after_close);
      continue;
    }
    open = queue_.wait_take(batch, deadline);
    const bool ok = writer_.process(batch);
    if (!writer_.holding()) mark_done(batch.size(), ok);
    batch.clear();
    if (open) writer_.tick();
  }
  writer_.finish();
}

// Another connection holds the database lock. The held batch is offered
// again and nothing new is taken: the bounded queue absorbs the lock and
// counts what overflows. Once closing, give up after a few attempts.
void SqliteRecorder::retry_held(std::chrono::steady_clock::time_point deadline,
                                int& attempts_after_close) {
  const std::size_t held = writer_.held_records();
  const bool stored = writer_.retry_held();
  if (!writer_.holding()) return mark_done(held, stored);  // stored, or dropped by another error
  if (queue_.closed() && ++attempts_after_close >= kAttemptsAfterClose) {
    writer_.drop_held();
    return mark_done(held, false);
  }
  std::this_thread::sleep_until(deadline);  // SQLITE_LOCKED does not wait by itself
  writer_.tick();
}

void SqliteRecorder::mark_done(std::size_t records, bool ok) {
  {
    std::lock_guard lock(done_mutex_);
    done_ += records;
    if (records != 0) last_batch_ok_ = ok;
  }
  done_cv_.notify_all();
}

bool SqliteRecorder::try_append(Record record) { return queue_.try_push(std::move(record)); }

SinkStats SqliteRecorder::stats() const {
  const WriterStats w = writer_.stats();
  SinkStats s;
  s.queued = queue_.size() + w.held;
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
