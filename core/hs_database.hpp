#pragma once
// HsDatabase: one compiled Hyperscan block-mode database over a set of
// patterns, with the map from Hyperscan's local ids to our PatternIds.
//
// build() classifies every pattern so that a Hyperscan match means what PCRE2
// (ivy-c options: none) means:
//   - exact:     compiled with HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY (no
//                UTF8, no DOTALL, no CASELESS: Ivy traffic is bytes). A hit is
//                a match; PCRE2 runs only to extract captures.
//   - prefilter: Hyperscan rejects it exactly but accepts HS_FLAG_PREFILTER
//                (back-references, lookarounds, atomic groups, possessive
//                quantifiers, conditionals): a hit is a candidate that PCRE2
//                must confirm. No hit means no match.
//   - fallback:  rejected in both modes (`\K`, `\R`, `(?|`, verbs, embedded
//                `$`, a NUL byte): the caller matches it with PCRE2 alone.
//
// Thread: build() is pure and runs on the compile worker; a built database is
// immutable and shared (shared_ptr<const>) with the matching thread.

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/pattern_table.hpp"
#include "core/regex.hpp"

struct hs_database;

namespace ivy {

struct HsPatternSpec {
  PatternId id = 0;
  std::string text;
};

// What a Hyperscan local id stands for.
struct HsPatternInfo {
  PatternId id = 0;
  bool prefilter = false;  // a hit must be confirmed by PCRE2
  // PCRE2-JIT copy for the capture/confirm step on hits (one or two patterns
  // per message, so JIT pays here, unlike in a loop over all patterns);
  // null when no PCRE2 call is needed or JIT is off/unavailable.
  std::shared_ptr<const Regex> hit_regex;
};

class HsDatabase {
 public:
  // Takes ownership of `db` (freed with the last HsDatabase sharing it).
  HsDatabase(hs_database* db, std::vector<HsPatternInfo> patterns);
  HsDatabase(const HsDatabase&) = delete;
  HsDatabase& operator=(const HsDatabase&) = delete;

  const hs_database* raw() const { return db_.get(); }
  const HsPatternInfo& pattern(unsigned local_id) const { return patterns_[local_id]; }
  const std::vector<HsPatternInfo>& patterns() const { return patterns_; }
  std::size_t size_bytes() const;

  // The same compiled database with other descriptions of the same local ids
  // (the JIT copies built after a cache load): a second object, sharing it.
  std::shared_ptr<const HsDatabase> with_patterns(std::vector<HsPatternInfo> patterns) const;

 private:
  HsDatabase(std::shared_ptr<hs_database> db, std::vector<HsPatternInfo> patterns);

  std::shared_ptr<hs_database> db_;
  std::vector<HsPatternInfo> patterns_;
};

// Where build_hs_database first places a pattern (hs_expression_info, the
// flags above). The set compile may still demote it one step when Hyperscan
// hits a resource limit, which only a real compile shows.
enum class HsPatternClass { kExact, kPrefilter, kFallback };
HsPatternClass classify_hs_pattern(const std::string& pattern);

struct HsBuildResult {
  std::shared_ptr<const HsDatabase> database;  // null when no pattern compiled
  std::vector<PatternId> fallback;             // for PCRE2 alone
};

// What local id `spec` stands for in a database: its class and, with
// JitMode::kJit, the PCRE2-JIT copy used on its hits.
HsPatternInfo hs_pattern_info(const HsPatternSpec& spec, bool prefilter, JitMode hit_jit);

// Classifies and compiles `specs` (slow: ~1 ms per pattern, up to ~18 ms for
// long ones with many `(.*)`). With JitMode::kJit, also JIT-compiles the
// patterns that need PCRE2 on a hit (~15-100 µs each, a few KiB of code
// each). Local ids follow the order of `specs`, fallback patterns left out.
HsBuildResult build_hs_database(const std::vector<HsPatternSpec>& specs,
                                JitMode hit_jit = JitMode::kJit);

}  // namespace ivy
