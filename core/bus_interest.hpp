#pragma once
// BusInterest: what the agents of one bus subscribe, as a bridge sees it
// (docs/bridge.md): which peers are bridge agents (they hold the marker
// kBridgeMarkerPattern), and the union of the subscriptions of all the OTHER
// peers — the bus's interest, which on-interest mode carries across.
//
// Fed with the agent's peer events (subscription added / removed, peer
// gone). A peer that turns out to be a bridge agent after some of its
// subscriptions arrived (ivy-c sends its regexps newest first) has those
// taken out again: a bridge's own subscriptions are never mirrored.
//
// Every call returns the changes of the union (patterns that appeared or
// disappeared) so that a link can forward them.
//
// Thread: one owner.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/matcher.hpp"
#include "core/pattern_set.hpp"

namespace ivy {

struct InterestChange {
  enum class Kind { kAdded, kRemoved };
  Kind kind;
  std::string pattern;
  friend bool operator==(const InterestChange&, const InterestChange&) = default;
};
using InterestChanges = std::vector<InterestChange>;

class BusInterest {
 public:
  InterestChanges add(PeerKey peer, int id, const std::string& pattern);
  InterestChanges remove(PeerKey peer, int id);
  InterestChanges remove_peer(PeerKey peer);

  bool is_bridge_agent(PeerKey peer) const { return bridge_agents_.count(peer) > 0; }
  // True if some non-bridge agent subscribes a pattern matching `text`.
  bool wanted(std::string_view text) { return union_.matches(text); }
  const PatternSet& patterns() const { return union_; }

 private:
  void drop_from_union(const std::string& pattern, InterestChanges& changes);

  std::map<PeerKey, std::map<int, std::string>> subscriptions_;  // every peer, bridge or not
  std::set<PeerKey> bridge_agents_;
  PatternSet union_;
};

}  // namespace ivy
