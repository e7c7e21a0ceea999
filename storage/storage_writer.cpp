#include "storage/storage_writer.hpp"

#include <filesystem>

#include "storage/clock.hpp"
#include "storage/retention.hpp"
#include "storage/schema.hpp"

namespace ivy::storage {
namespace {

constexpr std::int64_t kNsPerMs = 1'000'000;
constexpr std::int64_t kRetentionPeriodNs = 60'000 * kNsPerMs;

template <class Duration>
std::int64_t ns(Duration d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

}  // namespace

StorageWriter::StorageWriter(SqliteRecorderOptions options)
    : options_(std::move(options)),
      clock_(options_.clock ? options_.clock : &SystemClock::instance()),
      files_(options_.path) {}

StorageWriter::~StorageWriter() { finish(); }

Stamp StorageWriter::now() const { return clock_->now(); }

void StorageWriter::start() {
  open_file(/*reuse=*/true);
  retain();
}

void StorageWriter::report(LogLevel level, const std::string& text) {
  if (level >= LogLevel::kWarning) {
    if (text == repeating_) return;  // said already, nothing worked since: no log flood
    repeating_ = text;
    std::lock_guard lock(mutex_);
    stats_.last_error = text;
  }
  if (options_.log) options_.log(level, text);
}

void StorageWriter::set_available(bool available) {
  if (available) repeating_.clear();
  std::lock_guard lock(mutex_);
  stats_.available = available;
}

void StorageWriter::open_file(bool reuse) {
  const auto newest = files_.newest();
  if (reuse && newest) {
    std::error_code ec;
    const bool full = options_.rotate_bytes != 0 &&
                      std::filesystem::file_size(*newest, ec) >= options_.rotate_bytes;
    if (!full && try_open(*newest)) return;
    if (next_retry_mono_ > now().mono_ns) return;  // hard failure: retry later
  }
  try_open(files_.new_file_path(now().wall_ns));
}

bool StorageWriter::try_open(const std::string& path) {
  const Stamp t = now();
  auto opened = RecordingFile::open(path, options_.meta, t.wall_ns, live_);
  if (!opened) {
    const Error& e = opened.error();
    if (is_corruption(e.code)) {
      auto moved = files_.move_aside(path, t.wall_ns);
      report(LogLevel::kError, "recording file " + path + " is corrupt (" + e.message +
                                   "); moved aside to " + (moved ? *moved : moved.error().message));
      return false;  // caller starts a new file
    }
    if (e.code == kNewerSchema) {
      report(LogLevel::kWarning, path + ": " + e.message + "; starting a new file");
      return false;
    }
    report(LogLevel::kError, "cannot record to " + path + ": " + e.message +
                                 " (records are dropped until it works; retrying)");
    next_retry_mono_ = t.mono_ns + ns(options_.retry_interval);
    set_available(false);
    return false;
  }
  file_ = std::move(*opened);
  file_started_mono_ = t.mono_ns;
  if (auto linked = files_.link_current(path); !linked) {
    report(LogLevel::kWarning, linked.error().message);
  }
  set_available(true);
  {
    std::lock_guard lock(mutex_);
    ++stats_.files;
    stats_.current_file = path;
  }
  report(LogLevel::kInfo, "recording to " + path);
  return true;
}

bool StorageWriter::ensure_open() {
  if (file_) return true;
  if (now().mono_ns < next_retry_mono_) return false;
  open_file(first_open_);
  return file_ != nullptr;
}

bool StorageWriter::process(const std::vector<Record>& batch) {
  for (const Record& r : batch) live_.apply(r);
  if (holding()) {
    held_.insert(held_.end(), batch.begin(), batch.end());
    return retry_held();
  }
  const Outcome outcome = commit(batch);
  if (outcome == Outcome::kLocked) {
    held_ = batch;  // the one copy, once per lock
    publish_held();
  }
  return outcome == Outcome::kStored;
}

bool StorageWriter::retry_held() {
  if (!holding()) return true;
  const Outcome outcome = commit(held_);
  if (outcome == Outcome::kLocked) return false;
  held_.clear();
  publish_held();
  return outcome == Outcome::kStored;
}

// Stores `batch` after the gap event of an earlier loss, if any. A lock held
// by another connection keeps both for the next try; any other failure drops
// the batch (counted).
StorageWriter::Outcome StorageWriter::commit(const std::vector<Record>& batch) {
  if (!ensure_open()) {
    drop(batch);
    return Outcome::kDropped;
  }
  if (pending_gap_.dropped != 0) {
    const Outcome gap = store({Record{pending_gap_}});
    if (gap != Outcome::kStored) {
      if (gap == Outcome::kDropped) drop(batch);
      return gap;
    }
    report(LogLevel::kInfo, "recording resumed; " + std::to_string(pending_gap_.dropped) +
                                " records were lost");
    pending_gap_ = {};
  }
  const Outcome outcome = store(batch);
  if (outcome == Outcome::kDropped) drop(batch);
  if (outcome != Outcome::kLocked) rotate_if_due();
  return outcome;
}

StorageWriter::Outcome StorageWriter::store(const std::vector<Record>& batch) {
  if (batch.empty()) return Outcome::kStored;
  auto status = file_->write(batch);
  if (!status) {
    const int primary = status.error().code & 0xff;
    on_write_error(status.error());
    const bool locked = file_ && (primary == SQLITE_BUSY || primary == SQLITE_LOCKED);
    if (locked && locked_since_mono_ == 0) locked_since_mono_ = now().mono_ns;
    return locked ? Outcome::kLocked : Outcome::kDropped;
  }
  if (locked_since_mono_ != 0) on_lock_released();
  const std::int64_t lag = now().mono_ns - stamp_of(batch.front()).mono_ns;
  repeating_.clear();
  std::lock_guard lock(mutex_);
  stats_.written += batch.size();
  ++stats_.batches;
  stats_.lag_ns = lag;
  stats_.available = true;
  return Outcome::kStored;
}

void StorageWriter::on_lock_released() {
  const std::int64_t ms = (now().mono_ns - locked_since_mono_) / kNsPerMs;
  locked_since_mono_ = 0;
  report(LogLevel::kInfo, "recording file " + file_->path() + " is writable again after " +
                              std::to_string(ms) + " ms locked (" + std::to_string(held_.size()) +
                              " records were held)");
}

void StorageWriter::publish_held() {
  std::lock_guard lock(mutex_);
  stats_.held = held_.size();
}

void StorageWriter::on_write_error(const Error& error) {
  const int primary = error.code & 0xff;
  const std::string path = file_->path();
  if (is_corruption(error.code)) {
    close_file();
    auto moved = files_.move_aside(path, now().wall_ns);
    report(LogLevel::kError, "recording file " + path + " is corrupt (" + error.message +
                                 "); moved aside to " + (moved ? *moved : moved.error().message));
    first_open_ = false;
    next_retry_mono_ = 0;  // start a new file with the next batch
    return;
  }
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    // Same text every time: report() logs it once per lock, not per retry.
    report(LogLevel::kWarning, "recording file " + path + " is locked by another connection (" +
                                   error.message +
                                   "); records are held and retried, what overflows the queue is "
                                   "dropped and counted");
    return;
  }
  report(LogLevel::kError, "cannot write to " + path + ": " + error.message);
  if (primary == SQLITE_FULL) return;
  close_file();  // read-only, I/O error...: reopen later
  next_retry_mono_ = now().mono_ns + ns(options_.retry_interval);
  set_available(false);
}

void StorageWriter::drop(const std::vector<Record>& batch) {
  if (batch.empty()) return;
  if (pending_gap_.dropped == 0) pending_gap_.from = stamp_of(batch.front());
  pending_gap_.to = stamp_of(batch.back());
  pending_gap_.dropped += batch.size();
  std::lock_guard lock(mutex_);
  stats_.dropped += batch.size();
}

void StorageWriter::close_file() {
  if (!file_) return;
  (void)file_->stop(now().wall_ns);
  file_.reset();
}

void StorageWriter::rotate_if_due() {
  if (!file_) return;
  // Someone deleted the file we write: SQLite would go on writing to the
  // unlinked inode, silently losing everything. Start a new file instead.
  std::error_code ec;
  if (!std::filesystem::exists(file_->path(), ec) && !ec) {
    report(LogLevel::kWarning, "recording file " + file_->path() +
                                   " was deleted while in use: what was written to it is gone; starting a new file");
    file_.reset();  // no stop(): the file is gone
    open_file(/*reuse=*/false);
    return;
  }
  const bool by_size =
      options_.rotate_bytes != 0 && file_->size_bytes() >= options_.rotate_bytes;
  const bool by_age = options_.rotate_after.count() != 0 &&
                      now().mono_ns - file_started_mono_ >= ns(options_.rotate_after);
  if (!by_size && !by_age) return;
  close_file();
  open_file(/*reuse=*/false);
  next_retention_mono_ = 0;
  retain();
}

void StorageWriter::retain() {
  const RetentionPolicy policy{ns(options_.retain_for), options_.retain_bytes};
  const Stamp t = now();
  if ((policy.max_age_ns == 0 && policy.max_bytes == 0) || t.mono_ns < next_retention_mono_) {
    return;
  }
  next_retention_mono_ = t.mono_ns + kRetentionPeriodNs;
  const std::string current = file_ ? file_->path() : std::string();
  for (const auto& path : files_to_delete(files_.files(), current, t.wall_ns, policy)) {
    if (options_.before_delete) options_.before_delete(path);
    auto removed = files_.remove(path);
    report(removed ? LogLevel::kInfo : LogLevel::kWarning,
           removed ? "retention: deleted " + path : removed.error().message);
  }
}

void StorageWriter::tick() {
  if (!file_ && now().mono_ns >= next_retry_mono_) ensure_open();
  // Not while a batch is held: the live state already includes it, so a new
  // file seeded from that state and then given the batch would hold its
  // joins and subscriptions twice. commit() rotates once the batch is stored.
  if (!holding()) rotate_if_due();
  retain();
}

void StorageWriter::drop_held() {
  if (holding()) {  // only when stopping: the gap event may never be written, so say it here
    report(LogLevel::kWarning, "giving up on the database locked by another connection: " +
                                   std::to_string(held_.size()) + " records were not written");
  }
  drop(held_);
  held_.clear();
  publish_held();
}

void StorageWriter::finish() {
  drop_held();  // still locked at the end: lost, counted, and said
  close_file();
  std::lock_guard lock(mutex_);
  stats_.available = false;
}

WriterStats StorageWriter::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace ivy::storage
