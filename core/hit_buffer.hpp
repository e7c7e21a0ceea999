#pragma once
// HitBuffer: collects the hits of one match() call and hands them out in
// subscription add order (the contract of Matcher::match), whatever order the
// engine found them in (Hyperscan reports by match end, the pattern table
// iterates by hash).
//
// Reuse one buffer across calls: it keeps its capacity.

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/matcher.hpp"
#include "core/pattern_table.hpp"

namespace ivy {

class HitBuffer {
 public:
  // Adds one hit per subscriber of `entry`, all with `captures` (moved into
  // the last one: most patterns have one subscriber).
  void add(const PatternEntry& entry, std::vector<std::string>&& captures) {
    const std::size_t n = entry.subscribers.size();
    for (std::size_t i = 0; i < n; ++i) {
      const Subscriber& s = entry.subscribers[i];
      hits_.push_back({s.sequence, Hit{s.peer, s.regexp_id,
                                       i + 1 < n ? captures : std::move(captures)}});
    }
  }

  // Adds one hit for a single subscriber (match_peer).
  void add(const Subscriber& s, const std::vector<std::string>& captures) {
    hits_.push_back({s.sequence, Hit{s.peer, s.regexp_id, captures}});
  }

  // Appends the collected hits to `out` in sequence order, empties the buffer
  // and returns how many were appended.
  std::size_t drain_to(std::vector<Hit>& out) {
    std::sort(hits_.begin(), hits_.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [sequence, hit] : hits_) out.push_back(std::move(hit));
    const std::size_t n = hits_.size();
    hits_.clear();
    return n;
  }

 private:
  std::vector<std::pair<std::uint64_t, Hit>> hits_;
};

// The same for match_refs(): refs only.
class RefBuffer {
 public:
  void add(const PatternEntry& entry) {
    for (const Subscriber& s : entry.subscribers) {
      refs_.push_back({s.sequence, SubscriptionRef{s.peer, s.regexp_id}});
    }
  }

  std::size_t drain_to(std::vector<SubscriptionRef>& out) {
    std::sort(refs_.begin(), refs_.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [sequence, ref] : refs_) out.push_back(ref);
    const std::size_t n = refs_.size();
    refs_.clear();
    return n;
  }

 private:
  std::vector<std::pair<std::uint64_t, SubscriptionRef>> refs_;
};

}  // namespace ivy
