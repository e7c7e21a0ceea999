#pragma once
// OutageBuffer: what a bridge keeps while its far end (the other ivyd, the
// broker) is away, bounded in bytes. When a new item does not fit, the oldest
// items go first; an item larger than the whole bound is refused. Both count
// as dropped, so that the bridge can report them (counters.outage_dropped).
//
// `bytes(item)` is how much an item weighs against the bound: by default its
// size(); a bridge whose items are not strings passes its own measure.
// Pure: no I/O, no clock. Thread: one owner.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <utility>

namespace ivy {

struct SizeOf {
  template <typename T>
  std::size_t operator()(const T& item) const {
    return item.size();
  }
};

template <typename T, typename Bytes = SizeOf>
class OutageBuffer {
 public:
  explicit OutageBuffer(std::uint64_t capacity_bytes, Bytes bytes = {})
      : capacity_(capacity_bytes), bytes_of_(bytes) {}

  // Keeps `item` at the back, dropping the oldest until it fits. Returns how
  // many items were dropped: the oldest ones, or `item` itself (1) when it
  // is larger than the bound.
  std::size_t push(T item) {
    const std::uint64_t size = bytes_of_(item);
    if (size > capacity_) return 1;
    std::size_t dropped = 0;
    while (bytes_ + size > capacity_) {
      bytes_ -= bytes_of_(items_.front());
      items_.pop_front();
      ++dropped;
    }
    bytes_ += size;
    items_.push_back(std::move(item));
    return dropped;
  }

  // Takes the oldest item out. Not empty().
  T pop() {
    T item = std::move(items_.front());
    items_.pop_front();
    bytes_ -= bytes_of_(item);
    return item;
  }

  const T& front() const { return items_.front(); }
  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  std::uint64_t bytes() const { return bytes_; }
  void clear() {
    items_.clear();
    bytes_ = 0;
  }

 private:
  std::uint64_t capacity_;
  Bytes bytes_of_;
  std::deque<T> items_;
  std::uint64_t bytes_ = 0;
};

}  // namespace ivy
