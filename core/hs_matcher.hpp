#pragma once
// HyperscanMatcher: the fast Matcher. One Hyperscan block-mode scan per shard
// database per message finds which distinct patterns match; PCRE2 then runs
// only on those hits, and only when captures are needed (a pattern with
// groups) or Hyperscan's answer must be confirmed (prefilter mode). Results
// equal PcreMatcher's (same hits, same captures, same order).
//
// Churn never stalls (see docs/matcher.md):
//   - add() compiles the pattern with PCRE2 (~10 µs) and puts it on the side
//     list, matched by PCRE2 at once. It joins a shard (<= shard_capacity
//     patterns, so a rebuild takes ~0.1-1 s).
//   - Dirty shards are rebuilt by the HsCompileWorker thread; match() installs
//     finished databases at its start (a shared_ptr swap) and takes the
//     patterns they hold off the side list. The calling thread never waits.
//   - remove() takes effect at once: hits of dead patterns are dropped (their
//     ids are never reused); a shard with many dead patterns is compacted.
//   - Patterns Hyperscan cannot take stay on the side list for good
//     ("fallback"); PCRE2 is the judge of what compiles at all.
//   - Once several shard databases exist, the worker merges every compiled
//     pattern into one base database (one scan per message instead of one
//     per shard); shards keep taking the new patterns.
//   - A compile is started when the side list holds side_list_trigger new
//     patterns, or when new ones have waited age_trigger_messages messages,
//     or at batch_done() (a peer's handshake ended): a request/answer client
//     binding and unbinding a fresh regexp per request costs a side-list
//     entry, not a compile per message.
//   - With a DatabaseCache (options.cache) every database is looked up before
//     it is compiled and stored after. When a batch is submitted, the whole
//     live set is first probed as a base database (a cache-only job that
//     jumps the worker's queue; the shards wait for its answer): a set seen
//     before (a restart, a returning peer) is in Hyperscan after one file
//     read, with no compile at all. Shards and merges are looked up too.
//
// Thread: one owner thread (the event loop) calls everything; one worker
// thread compiles. The destructor never waits for a compile (see
// HsCompileWorker).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/database_cache.hpp"
#include "core/hit_buffer.hpp"
#include "core/hs_compile_worker.hpp"
#include "core/hs_database.hpp"
#include "core/matcher.hpp"
#include "core/pattern_table.hpp"

struct hs_scratch;

namespace ivy {

struct HyperscanMatcherOptions {
  std::size_t shard_capacity = 128;          // patterns per shard database
  std::size_t side_list_trigger = 16;        // new patterns that start a compile
  std::uint64_t age_trigger_messages = 256;  // ... or messages they waited
  // Merge every compiled pattern into one base database (20-50 s for
  // 3,000-10,000 patterns, on the worker) once this many shard databases
  // exist: one scan instead of dozens. 0 = never merge.
  std::size_t merge_min_shards = 4;
  // PCRE2 on a Hyperscan hit: JIT copies built by the worker (default), or
  // the interpreter (no JIT memory: a few KiB per pattern with groups).
  JitMode hit_jit = JitMode::kJit;
  // Compiled databases kept between runs; null: none (database_cache.hpp).
  std::shared_ptr<DatabaseCache> cache = nullptr;
};

class HyperscanMatcher final : public Matcher {
 public:
  explicit HyperscanMatcher(HyperscanMatcherOptions options = {});
  HyperscanMatcher(const HyperscanMatcher&) = delete;
  HyperscanMatcher& operator=(const HyperscanMatcher&) = delete;
  ~HyperscanMatcher() override;

  Result<void, CompileError> add(PeerKey peer, int regexp_id, std::string_view pattern) override;
  void remove(PeerKey peer, int regexp_id) override;
  void remove_peer(PeerKey peer) override;
  std::size_t match(std::string_view text, CaptureMode mode, std::vector<Hit>& hits) override;
  std::size_t match_peer(PeerKey peer, std::string_view text, CaptureMode mode,
                         std::vector<Hit>& hits) override;
  std::size_t match_refs(std::string_view text, std::vector<SubscriptionRef>& refs) override;
  std::size_t subscription_count() const override { return table_.subscription_count(); }
  std::uint64_t match_errors() const override { return match_errors_; }
  MatcherStats stats() const override;

  // Installs finished databases and starts the compiles that are due,
  // without waiting (match() does it too).
  void poll() override;
  // Compiles (or loads from the cache) every pattern waiting, now.
  void batch_done() override;
  void set_wakeup(std::function<void()> wakeup) override { worker_.set_on_done(std::move(wakeup)); }

  // Starts every pending compile (and a merge when due), waits for the worker
  // and installs the results: afterwards each live pattern is in a database or
  // on the fallback list. Blocks for seconds: tests and benchmarks only.
  void flush();

 private:
  static constexpr std::size_t kBase = static_cast<std::size_t>(-1);       // job "shard" of the base
  static constexpr std::size_t kBaseProbe = static_cast<std::size_t>(-2);  // cache-only base job

  enum class Route : std::uint8_t { kSideList, kHyperscan, kFallback };
  // Where a live pattern is matched. Exactly one authority: the side list, or
  // the database whose serial is `authority` (hits from any other database,
  // e.g. a shard that still holds a pattern merged into the base, are ignored).
  struct Placement {
    PatternEntry* entry = nullptr;
    std::size_t shard = 0;
    Route route = Route::kSideList;
    bool in_base = false;
    bool prefilter = false;
    std::uint64_t authority = 0;  // database serial; 0 = none
    unsigned local = 0;           // its Hyperscan id in that database
  };
  struct Installed {
    std::shared_ptr<const HsDatabase> database;
    std::uint64_t serial = 0;
    std::size_t dead = 0;  // patterns in it that died since
    // By Hyperscan id: the entry this database is the authority for, else
    // null (dead, or matched elsewhere). A hit costs one load, no lookup.
    std::vector<PatternEntry*> live;
  };
  struct Shard {
    std::vector<PatternId> members;  // what a rebuild compiles
    Installed installed;
    std::uint64_t generation = 0;
    std::uint64_t submitted = 0;  // generation of the last job sent
  };
  struct SideEntry {
    PatternEntry* entry;
    std::string prefix;  // anchored literal prefix: skip PCRE2 if absent
  };
  struct Candidate {
    PatternEntry* entry;
    const HsPatternInfo* info;
  };

  void on_created(PatternEntry& entry);
  void on_destroyed(PatternEntry& entry);
  std::size_t shard_with_room();
  void set_route(Placement& placement, Route route);
  void install_finished();
  void maybe_compile();
  void submit_pending();
  bool probe_base();
  void submit_dirty();
  bool merge_due() const;
  void submit_base();
  void install(HsCompileDone& done);
  void install_upgrade(HsCompileDone& done);
  void install_shard(Shard& shard, Installed installed, const std::vector<PatternId>& fallback);
  void install_base(Installed installed, const std::vector<PatternId>& fallback);
  bool take_authority(Installed& installed, unsigned local, bool base);
  Installed* authority_holder(const Placement& placement);
  void revoke_authority(Placement& placement);
  void demote_to_fallback(const std::vector<PatternId>& ids);
  void scan(std::string_view text);

  HyperscanMatcherOptions options_;
  PatternTable table_;
  std::unordered_map<PatternId, Placement> placements_;
  std::vector<SideEntry> side_list_;  // side-list and fallback entries
  std::unordered_map<PatternId, std::size_t> side_slots_;
  std::vector<Shard> shards_;
  std::size_t shards_with_database_ = 0;
  Installed base_;
  bool base_in_flight_ = false;
  bool probe_in_flight_ = false;  // the shards wait for its answer
  std::uint64_t next_serial_ = 0;
  std::size_t pending_ = 0;  // side-list entries waiting for a database
  std::uint64_t messages_ = 0;
  std::uint64_t pending_since_ = 0;  // messages_ when the oldest wait began
  bool compact_due_ = false;         // a database is half dead, or a shard was merged
  std::uint64_t changes_ = 0;        // patterns created or destroyed so far
  std::uint64_t probed_at_changes_ = static_cast<std::uint64_t>(-1);  // the last probe's set
  hs_scratch* scratch_ = nullptr;
  std::vector<Candidate> candidates_;
  std::vector<std::string> captures_;
  HitBuffer hit_buffer_;
  RefBuffer ref_buffer_;
  std::uint64_t match_errors_ = 0;
  HsCompileWorker worker_;  // last: destroyed (joined) first
};

}  // namespace ivy
