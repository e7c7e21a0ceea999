#include "core/bus_interest.hpp"

#include "core/bridge_policy.hpp"

namespace ivy {

void BusInterest::drop_from_union(const std::string& pattern, InterestChanges& changes) {
  if (union_.remove(pattern)) changes.push_back({InterestChange::Kind::kRemoved, pattern});
}

InterestChanges BusInterest::add(PeerKey peer, int id, const std::string& pattern) {
  InterestChanges changes = remove(peer, id);  // ADD with a known id replaces (§12)
  auto& subs = subscriptions_[peer];
  subs[id] = pattern;
  if (is_bridge_marker(pattern)) {
    if (bridge_agents_.insert(peer).second) {
      for (const auto& [other_id, p] : subs) {
        if (other_id != id) drop_from_union(p, changes);
      }
    }
    return changes;
  }
  if (!is_bridge_agent(peer) && union_.add(pattern)) changes.push_back({InterestChange::Kind::kAdded, pattern});
  return changes;
}

InterestChanges BusInterest::remove(PeerKey peer, int id) {
  InterestChanges changes;
  auto p = subscriptions_.find(peer);
  if (p == subscriptions_.end()) return changes;
  auto s = p->second.find(id);
  if (s == p->second.end()) return changes;
  const std::string pattern = std::move(s->second);
  p->second.erase(s);
  if (is_bridge_marker(pattern)) return changes;  // once a bridge agent, always one (until it leaves)
  if (!is_bridge_agent(peer)) drop_from_union(pattern, changes);
  return changes;
}

InterestChanges BusInterest::remove_peer(PeerKey peer) {
  InterestChanges changes;
  auto p = subscriptions_.find(peer);
  if (p != subscriptions_.end()) {
    if (!is_bridge_agent(peer)) {
      for (const auto& [id, pattern] : p->second) drop_from_union(pattern, changes);
    }
    subscriptions_.erase(p);
  }
  bridge_agents_.erase(peer);
  return changes;
}

}  // namespace ivy
