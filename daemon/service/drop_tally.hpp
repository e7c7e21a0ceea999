#pragma once
// DropTally: sums the frames dropped for each peer (its outbound queue was
// full) into spans, so that the recording gets a few DeliveryDropRecords per
// stall instead of one row per frame.
//
// A peer's span opens at its first drop and closes, handing back one record
// (first drop, last drop, count), when
//   - the peer's queue drains (it caught up): take();
//   - its link closes: take(), before its leave is recorded;
//   - the span is `max_span` old: at the next drop (add()) or at the
//     periodic take_due(), whichever comes first.
// So a peer that drops frames without pause yields one record per
// `max_span`, plus one per drop episode that ends with a drain.
//
// Pure: times come in as Stamps; no clock, no I/O. Thread: one (the bus's).

#include <chrono>
#include <optional>
#include <unordered_map>
#include <vector>

#include "storage/record.hpp"

namespace ivy::daemon {

class DropTally {
 public:
  explicit DropTally(std::chrono::nanoseconds max_span = std::chrono::seconds(1));

  // One frame dropped for `peer` at `at`. Returns the peer's span if this
  // drop made it `max_span` old (the drop is in it); a new one opens with the
  // next drop.
  std::optional<storage::DeliveryDropRecord> add(storage::PeerKey peer, storage::Stamp at);
  // The peer's open span, if any, closed now (drained, link closed).
  std::optional<storage::DeliveryDropRecord> take(storage::PeerKey peer);
  // Every open span whose first drop is at least `max_span` before `now`.
  std::vector<storage::DeliveryDropRecord> take_due(storage::Stamp now);
  // Every open span (shutdown).
  std::vector<storage::DeliveryDropRecord> take_all();

  bool empty() const { return open_.empty(); }

 private:
  std::int64_t max_span_ns_;
  std::unordered_map<storage::PeerKey, storage::DeliveryDropRecord> open_;
};

}  // namespace ivy::daemon
