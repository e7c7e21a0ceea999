#include "core/hs_matcher.hpp"

#include <algorithm>
#include <utility>

#include <hs/hs.h>

#include "core/literal_prefix.hpp"
#include "core/pcre_matcher.hpp"

namespace ivy {
namespace {

struct ScanContext {
  const std::vector<PatternEntry*>* live;
  const HsDatabase* database;
  void* candidates;  // std::vector<Candidate>*, private type of the matcher
};

// Keeps the hits of patterns this database is the authority for.
template <class Candidate>
int collect(unsigned int local_id, unsigned long long /*from*/, unsigned long long /*to*/,
            unsigned int /*flags*/, void* context) {
  auto* scan = static_cast<ScanContext*>(context);
  // A database loaded from a cache file could name an id it was not built
  // with: checked, not trusted.
  if (local_id >= scan->live->size()) return 0;
  if (PatternEntry* entry = (*scan->live)[local_id]) {
    static_cast<std::vector<Candidate>*>(scan->candidates)
        ->push_back({entry, &scan->database->pattern(local_id)});
  }
  return 0;  // go on: every pattern (HS_FLAG_SINGLEMATCH: once each)
}

bool has_prefix(std::string_view text, const std::string& prefix) {
  return text.size() >= prefix.size() && text.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

HyperscanMatcher::HyperscanMatcher(HyperscanMatcherOptions options)
    : options_(options),
      table_(JitMode::kInterpreter,
             PatternTable::Listener{[this](PatternEntry& e) { on_created(e); },
                                    [this](PatternEntry& e) { on_destroyed(e); }}),
      worker_(options_.cache) {}

HyperscanMatcher::~HyperscanMatcher() { hs_free_scratch(scratch_); }

Result<void, CompileError> HyperscanMatcher::add(PeerKey peer, int regexp_id,
                                                 std::string_view pattern) {
  return table_.add(peer, regexp_id, pattern);
}

void HyperscanMatcher::remove(PeerKey peer, int regexp_id) { table_.remove(peer, regexp_id); }

void HyperscanMatcher::remove_peer(PeerKey peer) { table_.remove_peer(peer); }

void HyperscanMatcher::on_created(PatternEntry& entry) {
  const std::size_t shard = shard_with_room();
  shards_[shard].members.push_back(entry.id);
  ++shards_[shard].generation;
  Placement& placement = placements_[entry.id];
  placement = Placement{&entry, shard, Route::kHyperscan, false, false, 0};
  set_route(placement, Route::kSideList);
  if (pending_++ == 0) pending_since_ = messages_;
  ++changes_;
}

void HyperscanMatcher::on_destroyed(PatternEntry& entry) {
  auto it = placements_.find(entry.id);
  Placement& placement = it->second;
  Shard& shard = shards_[placement.shard];
  if (placement.route == Route::kSideList) --pending_;
  if (placement.route != Route::kHyperscan) set_route(placement, Route::kHyperscan);  // unlist
  if (Installed* holder = authority_holder(placement)) {
    revoke_authority(placement);
    ++holder->dead;
    compact_due_ = compact_due_ || (holder->dead >= 16 &&
                                    4 * holder->dead >= holder->database->patterns().size());
  }
  if (!placement.in_base) {
    std::erase(shard.members, entry.id);
    ++shard.generation;
  }
  placements_.erase(it);
  ++changes_;
}

std::size_t HyperscanMatcher::shard_with_room() {
  for (std::size_t i = shards_.size(); i-- > 0;) {
    if (shards_[i].members.size() < options_.shard_capacity) return i;
  }
  shards_.emplace_back();
  return shards_.size() - 1;
}

// Keeps side_list_ equal to the set of entries routed kSideList or kFallback.
void HyperscanMatcher::set_route(Placement& placement, Route route) {
  const bool was_listed = placement.route != Route::kHyperscan;
  const bool listed = route != Route::kHyperscan;
  placement.route = route;
  const PatternId id = placement.entry->id;
  if (was_listed && !listed) {
    const std::size_t slot = side_slots_[id];
    side_list_[slot] = std::move(side_list_.back());
    side_slots_[side_list_[slot].entry->id] = slot;
    side_list_.pop_back();
    side_slots_.erase(id);
  } else if (!was_listed && listed) {
    side_slots_[id] = side_list_.size();
    side_list_.push_back({placement.entry, anchored_literal_prefix(placement.entry->text)});
    revoke_authority(placement);
  }
}

void HyperscanMatcher::poll() {
  install_finished();
  maybe_compile();
}

void HyperscanMatcher::batch_done() {
  install_finished();
  if (pending_ > 0 || compact_due_) {
    compact_due_ = false;
    submit_pending();
    pending_since_ = messages_;
  }
  if (merge_due()) submit_base();
}

void HyperscanMatcher::install_finished() {
  std::vector<HsCompileDone> done;
  if (!worker_.take_done(done)) return;
  for (HsCompileDone& d : done) install(d);
}

void HyperscanMatcher::install(HsCompileDone& done) {
  if (done.upgrade) return install_upgrade(done);
  if (done.shard == kBaseProbe) {
    // The shards waited for this answer. Unknown set: they are compiled as
    // without a cache. Known: the base takes them all but what came since.
    base_in_flight_ = false;
    probe_in_flight_ = false;
    if (!done.missed && done.result.database) {
      done.shard = kBase;
      install(done);
    }
    submit_dirty();
    return;
  }
  Installed installed{std::move(done.result.database), ++next_serial_, 0, {}};
  if (installed.database) {
    hs_alloc_scratch(installed.database->raw(), &scratch_);
    installed.live.assign(installed.database->patterns().size(), nullptr);
  }
  if (done.shard == kBase) {
    install_base(std::move(installed), done.result.fallback);
  } else {
    install_shard(shards_[done.shard], std::move(installed), done.result.fallback);
  }
  shards_with_database_ = static_cast<std::size_t>(std::count_if(
      shards_.begin(), shards_.end(), [](const Shard& s) { return s.installed.database != nullptr; }));
}

// The JIT copies of a database loaded from the cache: the same compiled
// database (same local ids, same authority), so only its descriptions are
// swapped. A database replaced meanwhile keeps its successor.
void HyperscanMatcher::install_upgrade(HsCompileDone& done) {
  const bool base = done.shard == kBase || done.shard == kBaseProbe;
  if (!base && done.shard >= shards_.size()) return;
  Installed& target = base ? base_ : shards_[done.shard].installed;
  if (target.database && target.database->raw() == done.result.database->raw()) {
    target.database = std::move(done.result.database);
  }
}

void HyperscanMatcher::install_shard(Shard& shard, Installed installed,
                                     const std::vector<PatternId>& fallback) {
  shard.installed = std::move(installed);
  for (unsigned local = 0; local < shard.installed.live.size(); ++local) {
    if (!take_authority(shard.installed, local, false)) ++shard.installed.dead;
  }
  demote_to_fallback(fallback);
}

void HyperscanMatcher::install_base(Installed installed, const std::vector<PatternId>& fallback) {
  base_in_flight_ = false;
  base_ = std::move(installed);
  for (unsigned local = 0; local < base_.live.size(); ++local) {
    if (!take_authority(base_, local, true)) ++base_.dead;
  }
  demote_to_fallback(fallback);
  // Shards that lost patterns to the base are rebuilt without them (or dropped).
  for (Shard& shard : shards_) {
    if (shard.members.empty()) shard.installed = Installed{};
  }
  compact_due_ = true;
}

// A live pattern found in a newly installed database is matched by it from now
// on — unless it is a shard database and the pattern has moved to the base.
// Returns false if the pattern died during the compile (masked by the lookup).
bool HyperscanMatcher::take_authority(Installed& installed, unsigned local, bool base) {
  const HsPatternInfo& info = installed.database->pattern(local);
  auto it = placements_.find(info.id);
  if (it == placements_.end()) return false;
  Placement& placement = it->second;
  if (!base && placement.in_base) return true;
  if (placement.route == Route::kSideList) --pending_;
  set_route(placement, Route::kHyperscan);
  revoke_authority(placement);  // from an older database of the same shard, or the shard
  placement.authority = installed.serial;
  placement.local = local;
  placement.prefilter = info.prefilter;
  installed.live[local] = placement.entry;
  if (base && !placement.in_base) {
    placement.in_base = true;
    Shard& shard = shards_[placement.shard];
    std::erase(shard.members, info.id);
    ++shard.generation;
  }
  return true;
}

// The installed database that is the placement's authority, if any.
HyperscanMatcher::Installed* HyperscanMatcher::authority_holder(const Placement& placement) {
  if (placement.authority == 0) return nullptr;
  if (base_.serial == placement.authority) return &base_;
  Installed& shard = shards_[placement.shard].installed;
  return shard.serial == placement.authority ? &shard : nullptr;
}

// Hits of the placement's pattern from its current authority are ignored from now on.
void HyperscanMatcher::revoke_authority(Placement& placement) {
  if (Installed* holder = authority_holder(placement)) holder->live[placement.local] = nullptr;
  placement.authority = 0;
}

void HyperscanMatcher::demote_to_fallback(const std::vector<PatternId>& ids) {
  for (PatternId id : ids) {
    auto it = placements_.find(id);
    if (it == placements_.end() || it->second.route == Route::kFallback) continue;
    Placement& placement = it->second;
    if (placement.route == Route::kSideList) --pending_;
    set_route(placement, Route::kFallback);
    if (!placement.in_base) std::erase(shards_[placement.shard].members, id);
    placement.in_base = false;
  }
}

void HyperscanMatcher::maybe_compile() {
  const bool batch = pending_ >= options_.side_list_trigger;
  const bool aged = pending_ > 0 && messages_ - pending_since_ >= options_.age_trigger_messages;
  if (batch || aged || compact_due_) {
    compact_due_ = false;
    submit_pending();
    pending_since_ = messages_;  // the next trigger waits a full age again
  }
  if (merge_due()) submit_base();
}

// A probe goes alone: the shards are submitted when it answers (a few ms),
// so a known set costs no shard compile at all.
void HyperscanMatcher::submit_pending() {
  if (probe_in_flight_ || probe_base()) return;
  submit_dirty();
}

// Is the whole live set a base database the cache knows? Asked once per
// state of the set, when it is larger than a shard (a smaller one is a few
// shard loads anyway), and never beside a merge in flight: a base installed
// must hold every live pattern of the base it replaces, and the probe's set
// holds every live pattern.
bool HyperscanMatcher::probe_base() {
  if (!worker_.has_cache() || options_.merge_min_shards == 0 || base_in_flight_) return false;
  if (probed_at_changes_ == changes_ || placements_.size() <= options_.shard_capacity) return false;
  probed_at_changes_ = changes_;
  HsCompileJob job{kBaseProbe, 0, {}, options_.hit_jit, true};
  for (const auto& [id, placement] : placements_) job.specs.push_back({id, placement.entry->text});
  base_in_flight_ = true;
  probe_in_flight_ = true;
  worker_.submit(std::move(job));
  return true;
}

void HyperscanMatcher::submit_dirty() {
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    Shard& shard = shards_[i];
    if (shard.generation == shard.submitted) continue;
    shard.submitted = shard.generation;
    HsCompileJob job{i, shard.generation, {}, options_.hit_jit};
    for (PatternId id : shard.members) job.specs.push_back({id, placements_[id].entry->text});
    worker_.submit(std::move(job));
  }
}

bool HyperscanMatcher::merge_due() const {
  if (options_.merge_min_shards == 0 || base_in_flight_) return false;
  const bool base_half_dead =
      base_.database && base_.dead >= 64 && 4 * base_.dead >= base_.database->patterns().size();
  return shards_with_database_ >= options_.merge_min_shards || base_half_dead;
}

// The base gets every live pattern, wherever it lives now: those waiting on
// the side list are compiled with it (their shard jobs may still win the
// race), and the fallback ones are classified again (cheap). So the base of a
// settled set is keyed by the whole set, which is what the next run's probe
// asks the cache for.
void HyperscanMatcher::submit_base() {
  HsCompileJob job{kBase, 0, {}, options_.hit_jit};
  for (const auto& [id, placement] : placements_) job.specs.push_back({id, placement.entry->text});
  base_in_flight_ = true;
  worker_.submit(std::move(job));
}

void HyperscanMatcher::flush() {
  for (int round = 0; round < 8; ++round) {
    submit_pending();
    if (merge_due()) submit_base();
    worker_.wait_idle();  // every result is in done_ once the worker is idle
    install_finished();   // which may submit more (the shards after a probe)
    const bool clean = std::all_of(shards_.begin(), shards_.end(), [](const Shard& s) {
      return s.generation == s.submitted;
    });
    if (clean && worker_.idle() && !base_in_flight_ && !merge_due()) break;
  }
  compact_due_ = false;
  pending_since_ = messages_;
}

void HyperscanMatcher::scan(std::string_view text) {
  install_finished();
  ++messages_;
  maybe_compile();
  candidates_.clear();
  auto scan_one = [&](const Installed& installed) {
    if (!installed.database) return;
    ScanContext context{&installed.live, installed.database.get(), &candidates_};
    if (hs_scan(installed.database->raw(), text.data(), static_cast<unsigned>(text.size()), 0,
                scratch_, collect<Candidate>, &context) != HS_SUCCESS) {
      ++match_errors_;  // e.g. no scratch (hs_alloc_scratch failed): hits of this database lost
    }
  };
  scan_one(base_);
  for (const Shard& shard : shards_) scan_one(shard.installed);
}

std::size_t HyperscanMatcher::match(std::string_view text, CaptureMode mode,
                                    std::vector<Hit>& hits) {
  scan(text);
  for (const Candidate& c : candidates_) {
    const PatternEntry* entry = c.entry;
    if (!c.info->prefilter && entry->regex.capture_count() == 0) {
      captures_.clear();  // Hyperscan's answer is exact and there is nothing to capture
    } else if (!search_counting_errors(c.info->hit_regex ? *c.info->hit_regex : entry->regex, text,
                                       mode, captures_, match_errors_)) {
      continue;
    }
    hit_buffer_.add(*entry, std::move(captures_));
  }
  for (const SideEntry& side : side_list_) {
    if (has_prefix(text, side.prefix) &&
        search_counting_errors(side.entry->regex, text, mode, captures_, match_errors_)) {
      hit_buffer_.add(*side.entry, std::move(captures_));
    }
  }
  return hit_buffer_.drain_to(hits);
}

std::size_t HyperscanMatcher::match_peer(PeerKey peer, std::string_view text, CaptureMode mode,
                                         std::vector<Hit>& hits) {
  return match_peer_with_pcre(table_, peer, text, mode, hits, match_errors_);
}

std::size_t HyperscanMatcher::match_refs(std::string_view text,
                                         std::vector<SubscriptionRef>& refs) {
  scan(text);
  auto confirm = [&](const Regex& regex) {
    const Result<bool> found = regex.matches(text);
    if (!found) ++match_errors_;
    return found && *found;
  };
  for (const Candidate& c : candidates_) {
    const PatternEntry* entry = c.entry;
    if (!c.info->prefilter || confirm(c.info->hit_regex ? *c.info->hit_regex : entry->regex)) {
      ref_buffer_.add(*entry);
    }
  }
  for (const SideEntry& side : side_list_) {
    if (has_prefix(text, side.prefix) && confirm(side.entry->regex)) ref_buffer_.add(*side.entry);
  }
  return ref_buffer_.drain_to(refs);
}

MatcherStats HyperscanMatcher::stats() const {
  MatcherStats s;
  s.subscriptions = table_.subscription_count();
  s.patterns = placements_.size();
  s.compiles = worker_.compiles();
  s.cache_hits = worker_.cache_hits();
  s.match_errors = match_errors_;
  if (base_.database) s.database_bytes += base_.database->size_bytes();
  for (const Shard& shard : shards_) {
    if (!shard.installed.database) continue;
    ++s.shards;
    s.database_bytes += shard.installed.database->size_bytes();
  }
  for (const auto& [id, placement] : placements_) {
    if (placement.route != Route::kHyperscan) continue;
    ++s.hyperscan_patterns;
    if (placement.in_base) ++s.base_patterns;
    if (placement.prefilter) ++s.prefilter_patterns;
  }
  s.side_list_patterns = pending_;
  s.fallback_patterns = side_list_.size() - pending_;
  if (scratch_ != nullptr) hs_scratch_size(scratch_, &s.scratch_bytes);
  return s;
}

}  // namespace ivy
