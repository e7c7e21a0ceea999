#pragma once
// DedupWindow: the safety net of bridge loop prevention for meshed
// topologies (docs/bridge.md). Before a bridge re-emits a message on a bus it
// asks the window of that bus: "this text, from this origin agent, arriving
// by this ingress path (a bus id, a link id), now: is it a duplicate?"
//
//   - never seen (or seen longer than `window` ago): carried, and remembered;
//   - seen within the window from the SAME path: carried (a legitimate repeat,
//     e.g. periodic telemetry that is identical every time), remembered again;
//   - seen within the window from a DIFFERENT path: a duplicate (the same
//     message came round another way), not carried.
//
// Keys are 64-bit hashes of (text, origin); a collision can only drop a
// message that arrived by another path within the window, which is the
// accepted cost of bounded memory. Memory is bounded by time (entries older
// than the window are evicted on every call) and by `max_entries` (the oldest
// go first).
//
// Time is passed in (any monotonic epoch): no clock is read here.
// Thread: one owner.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string_view>
#include <unordered_map>

namespace ivy {

class DedupWindow {
 public:
  using Time = std::chrono::nanoseconds;  // since any fixed epoch

  struct Options {
    Time window = std::chrono::seconds(2);
    std::size_t max_entries = 65536;
  };

  DedupWindow() : DedupWindow(Options{}) {}
  explicit DedupWindow(Options options) : options_(options) {}

  // True if the message must not be carried (see above); otherwise records it.
  bool is_duplicate(std::string_view text, std::string_view origin, std::string_view path, Time now);

  std::size_t size() const { return entries_.size(); }
  std::uint64_t duplicates() const { return duplicates_; }

 private:
  struct Entry {
    std::uint64_t path = 0;
    Time seen{};
  };
  void evict(Time now);

  Options options_;
  std::unordered_map<std::uint64_t, Entry> entries_;
  std::deque<std::pair<Time, std::uint64_t>> order_;  // (time recorded, key), oldest first
  std::uint64_t duplicates_ = 0;
};

}  // namespace ivy
