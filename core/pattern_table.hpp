#pragma once
// PatternTable: the subscriptions of all peers, grouped by pattern text as in
// ivy-c's dictionary (§6.3): identical texts held by several (peer, id) pairs
// are compiled once (PCRE2) and run once, then fanned out to every holder.
//
// Each subscription gets a global sequence number at add time (a replace is a
// new add); matchers sort their hits by it so every implementation reports
// hits in the same order.
//
// A PatternEntry lives while at least one subscription holds its text. Its id
// is never reused during the table's lifetime, so a stale reference (e.g. a
// Hyperscan database built before a removal) can be checked with find(id).
//
// Thread: one thread (the matcher's owner).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/matcher.hpp"
#include "core/regex.hpp"
#include "core/result.hpp"

namespace ivy {

using PatternId = std::uint64_t;

struct Subscriber {
  std::uint64_t sequence = 0;  // global add order
  PeerKey peer = 0;
  int regexp_id = 0;
};

struct PatternEntry {
  PatternId id = 0;
  std::string text;
  Regex regex;
  std::vector<Subscriber> subscribers;  // ascending sequence
  std::size_t slot = 0;                 // position in the table's dense list
};

class PatternTable {
 public:
  // Called when an entry is created (after its first subscriber is stored) and
  // just before one is destroyed (its last subscriber gone).
  struct Listener {
    std::function<void(PatternEntry&)> created;
    std::function<void(PatternEntry&)> destroyed;
  };

  explicit PatternTable(JitMode jit = JitMode::kInterpreter, Listener listener = {});

  // Matcher::add semantics: replace on an existing (peer, id); on a compile
  // error the id holds nothing afterwards.
  Result<void, CompileError> add(PeerKey peer, int regexp_id, std::string_view pattern);
  void remove(PeerKey peer, int regexp_id);
  void remove_peer(PeerKey peer);

  // nullptr when the entry no longer exists.
  PatternEntry* find(PatternId id) const;

  // Every live entry, in no particular order.
  template <class F>
  void for_each_entry(F&& f) const {
    for (PatternEntry* entry : dense_) f(*entry);
  }

  // The subscriptions of one peer, each with its entry, in no particular order.
  template <class F>
  void for_each_subscription_of(PeerKey peer, F&& f) const {
    auto it = by_peer_.find(peer);
    if (it == by_peer_.end()) return;
    for (const auto& [regexp_id, entry] : it->second) f(*entry);
  }

  std::size_t subscription_count() const { return subscription_count_; }
  std::size_t entry_count() const { return by_text_.size(); }

 private:
  void detach(PeerKey peer, int regexp_id, PatternEntry& entry);

  JitMode jit_;
  Listener listener_;
  std::unordered_map<std::string, std::unique_ptr<PatternEntry>> by_text_;
  std::unordered_map<PatternId, PatternEntry*> by_id_;
  std::vector<PatternEntry*> dense_;  // iterated per message: no hash walk
  std::unordered_map<PeerKey, std::map<int, PatternEntry*>> by_peer_;
  std::uint64_t next_sequence_ = 0;
  PatternId next_id_ = 1;
  std::size_t subscription_count_ = 0;
};

}  // namespace ivy
