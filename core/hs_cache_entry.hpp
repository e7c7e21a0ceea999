#pragma once
// The cached form of a built Hyperscan database (a DatabaseCache entry): what
// HsCompileWorker stores after a compile and loads instead of the next one.
//
// Key: a format tag, Hyperscan's version string, the platform Hyperscan
// compiles for (hs_populate_platform: tuning and CPU features), and every
// pattern text of the set. Texts go in sorted order, so a set is the same key
// whatever order its subscriptions arrived in; the worker compiles them in that
// order too, so local id i always means the i-th text that is not fallback.
//
// Entry: the same header and texts, each text's class (exact, prefilter,
// fallback), hs_serialize_database's bytes, and a checksum of all that.
// decode() trusts nothing: the checksum must hold, every length is
// bounds-checked, the header must be ours (another Hyperscan version or CPU
// gives nullopt), the texts must be exactly the ones asked for, and
// hs_deserialize_database checks the database's own header. A caller that gets
// nullopt for stored bytes removes them (DatabaseCache::remove).
//
// Thread: pure functions; run on the compile worker.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/hs_database.hpp"

namespace ivy {

// `sorted_specs`: ascending by text, texts distinct (a PatternTable's are).
std::string hs_cache_key(const std::vector<HsPatternSpec>& sorted_specs);

// The entry for `result`, built from `sorted_specs` by build_hs_database.
std::string encode_hs_cache_entry(const HsBuildResult& result,
                                  const std::vector<HsPatternSpec>& sorted_specs);

// The result again, with the pattern ids of `sorted_specs` (this run's ids)
// and the JIT copies rebuilt per `hit_jit`; nullopt if `bytes` is not a valid
// entry for exactly these texts on this Hyperscan and platform.
std::optional<HsBuildResult> decode_hs_cache_entry(std::string_view bytes,
                                                   const std::vector<HsPatternSpec>& sorted_specs,
                                                   JitMode hit_jit);

}  // namespace ivy
