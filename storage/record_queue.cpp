#include "storage/record_queue.hpp"

#include <algorithm>
#include <iterator>

namespace ivy::storage {

RecordQueue::RecordQueue(std::size_t capacity, std::size_t control_reserve,
                         std::size_t wake_rows)
    : capacity_(std::max<std::size_t>(capacity, 1)),
      control_reserve_(control_reserve),
      wake_rows_(std::max<std::size_t>(wake_rows, 1)) {
  items_.reserve(capacity_ + control_reserve_ + 2);
}

bool RecordQueue::admits(const Record& record) const {
  if (closed_) return false;
  const std::size_t limit =
      is_control(record) ? capacity_ + control_reserve_ : capacity_;
  return items_.size() < limit;
}

bool RecordQueue::try_push(Record record) {
  bool notify = false;
  {
    std::lock_guard lock(mutex_);
    if (!admits(record)) {
      if (pending_drops_++ == 0) first_drop_ = stamp_of(record);
      ++dropped_;
      return false;
    }
    const std::size_t before = items_.size();
    if (pending_drops_ != 0) {
      // The gap goes over the limit by one slot: it is what says data is lost.
      items_.push_back(GapRecord{first_drop_, stamp_of(record), pending_drops_});
      pending_drops_ = 0;
      ++accepted_;
    }
    items_.push_back(std::move(record));
    ++accepted_;
    peak_ = std::max(peak_, items_.size());
    // Wake only on crossing the threshold: one notify per batch, not per row.
    notify = before < wake_rows_ && items_.size() >= wake_rows_;
  }
  if (notify) ready_.notify_one();
  return true;
}

bool RecordQueue::wait_take(std::vector<Record>& out,
                            std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  ready_.wait_until(lock, deadline, [&] {
    return woken_ || closed_ || items_.size() >= wake_rows_;
  });
  woken_ = false;
  if (out.empty()) {
    // The buffer handed back must never grow under the producer's feet:
    // a reallocation would copy the whole queue inside try_push().
    out.reserve(capacity_ + control_reserve_ + 2);
    out.swap(items_);  // keeps both buffers' capacity in circulation
  } else {
    std::move(items_.begin(), items_.end(), std::back_inserter(out));
    items_.clear();
  }
  return !(closed_ && out.empty());
}

void RecordQueue::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  ready_.notify_one();
}

void RecordQueue::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  ready_.notify_one();
}

bool RecordQueue::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

std::size_t RecordQueue::size() const {
  std::lock_guard lock(mutex_);
  return items_.size();
}

std::size_t RecordQueue::peak() const {
  std::lock_guard lock(mutex_);
  return peak_;
}

std::uint64_t RecordQueue::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

std::uint64_t RecordQueue::accepted() const {
  std::lock_guard lock(mutex_);
  return accepted_;
}

}  // namespace ivy::storage
