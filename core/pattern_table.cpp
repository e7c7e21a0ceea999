#include "core/pattern_table.hpp"

#include <algorithm>
#include <utility>

namespace ivy {

PatternTable::PatternTable(JitMode jit, Listener listener)
    : jit_(jit), listener_(std::move(listener)) {}

Result<void, CompileError> PatternTable::add(PeerKey peer, int regexp_id,
                                             std::string_view pattern) {
  remove(peer, regexp_id);  // ADD with an existing id = replace (§6.6 REC)
  std::string text(pattern);
  auto it = by_text_.find(text);
  bool created = false;
  if (it == by_text_.end()) {
    auto regex = Regex::compile(pattern, jit_);
    if (!regex) return fail_with(regex.error());
    auto entry = std::make_unique<PatternEntry>(
        PatternEntry{next_id_++, text, std::move(*regex), {}});
    by_id_.emplace(entry->id, entry.get());
    entry->slot = dense_.size();
    dense_.push_back(entry.get());
    it = by_text_.emplace(std::move(text), std::move(entry)).first;
    created = true;
  }
  PatternEntry& entry = *it->second;
  entry.subscribers.push_back(Subscriber{next_sequence_++, peer, regexp_id});
  by_peer_[peer][regexp_id] = &entry;
  ++subscription_count_;
  if (created && listener_.created) listener_.created(entry);
  return {};
}

void PatternTable::remove(PeerKey peer, int regexp_id) {
  auto peer_it = by_peer_.find(peer);
  if (peer_it == by_peer_.end()) return;
  auto sub_it = peer_it->second.find(regexp_id);
  if (sub_it == peer_it->second.end()) return;
  PatternEntry& entry = *sub_it->second;
  peer_it->second.erase(sub_it);
  if (peer_it->second.empty()) by_peer_.erase(peer_it);
  detach(peer, regexp_id, entry);
}

void PatternTable::remove_peer(PeerKey peer) {
  auto peer_it = by_peer_.find(peer);
  if (peer_it == by_peer_.end()) return;
  const std::map<int, PatternEntry*> subscriptions = std::move(peer_it->second);
  by_peer_.erase(peer_it);
  for (const auto& [regexp_id, entry] : subscriptions) detach(peer, regexp_id, *entry);
}

PatternEntry* PatternTable::find(PatternId id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

void PatternTable::detach(PeerKey peer, int regexp_id, PatternEntry& entry) {
  std::erase_if(entry.subscribers, [&](const Subscriber& s) {
    return s.peer == peer && s.regexp_id == regexp_id;
  });
  --subscription_count_;
  if (!entry.subscribers.empty()) return;
  if (listener_.destroyed) listener_.destroyed(entry);
  by_id_.erase(entry.id);
  dense_[entry.slot] = dense_.back();
  dense_[entry.slot]->slot = entry.slot;
  dense_.pop_back();
  const std::string key = entry.text;  // erase destroys entry (and its text)
  by_text_.erase(key);
}

}  // namespace ivy
