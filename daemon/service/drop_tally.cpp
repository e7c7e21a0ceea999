#include "daemon/service/drop_tally.hpp"

namespace ivy::daemon {

DropTally::DropTally(std::chrono::nanoseconds max_span) : max_span_ns_(max_span.count()) {}

std::optional<storage::DeliveryDropRecord> DropTally::add(storage::PeerKey peer, storage::Stamp at) {
  const auto it = open_.try_emplace(peer, storage::DeliveryDropRecord{at, at, peer, 0}).first;
  auto& span = it->second;
  ++span.dropped;
  span.to = at;
  if (at.mono_ns - span.from.mono_ns < max_span_ns_) return std::nullopt;
  auto done = span;
  open_.erase(it);
  return done;
}

std::optional<storage::DeliveryDropRecord> DropTally::take(storage::PeerKey peer) {
  auto it = open_.find(peer);
  if (it == open_.end()) return std::nullopt;
  auto done = it->second;
  open_.erase(it);
  return done;
}

std::vector<storage::DeliveryDropRecord> DropTally::take_due(storage::Stamp now) {
  std::vector<storage::DeliveryDropRecord> due;
  for (auto it = open_.begin(); it != open_.end();) {
    if (now.mono_ns - it->second.from.mono_ns >= max_span_ns_) {
      due.push_back(it->second);
      it = open_.erase(it);
    } else {
      ++it;
    }
  }
  return due;
}

std::vector<storage::DeliveryDropRecord> DropTally::take_all() {
  std::vector<storage::DeliveryDropRecord> all;
  all.reserve(open_.size());
  for (auto& [peer, span] : open_) all.push_back(span);
  open_.clear();
  return all;
}

}  // namespace ivy::daemon
