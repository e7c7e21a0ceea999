#include "storage/memory_recorder.hpp"

namespace ivy::storage {

MemoryRecorder::MemoryRecorder(std::size_t capacity) : capacity_(capacity) {}

bool MemoryRecorder::try_append(Record record) {
  std::lock_guard lock(mutex_);
  if (closed_ || (capacity_ != 0 && records_.size() >= capacity_)) {
    if (pending_drops_++ == 0) first_drop_ = stamp_of(record);
    ++stats_.dropped;
    return false;
  }
  if (pending_drops_ != 0) {
    records_.push_back(GapRecord{first_drop_, stamp_of(record), pending_drops_});
    pending_drops_ = 0;
  }
  records_.push_back(std::move(record));
  ++stats_.written;
  stats_.peak_queued = std::max<std::uint64_t>(stats_.peak_queued, 1);
  return true;
}

SinkStats MemoryRecorder::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

Status MemoryRecorder::flush(std::chrono::milliseconds) { return {}; }

void MemoryRecorder::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
}

std::vector<Record> MemoryRecorder::records() const {
  std::lock_guard lock(mutex_);
  return records_;
}

void MemoryRecorder::clear() {
  std::lock_guard lock(mutex_);
  records_.clear();
}

}  // namespace ivy::storage
