#pragma once
// CtlMatchers: the matchers of ivyctl's agents (probe, replay). Every agent
// matches on Hyperscan, with the user's cache of compiled databases, so a
// probe joining a bus whose agents hold thousands of regexps is fast from its
// second run on:
//
//   $XDG_CACHE_HOME/ivyd, else $HOME/.cache/ivyd (neither set: no cache)
//
// A cache directory that cannot be used is one warning; the agent then
// compiles as without a cache. IVYCTL_MATCHER=pcre picks the PCRE2 reference
// matcher instead (PcreMatcher, no cache): the baseline of the benchmarks
// (docs/performance.md), documented in ivyctl(1).
//
// Thread: make() on one thread; the cache itself is thread-safe.

#include <memory>
#include <optional>
#include <string>

#include "core/database_cache.hpp"
#include "core/matcher.hpp"
#include "daemon/log.hpp"

namespace ivy::ctl {

// The cache directory for these environment values; nullopt: none.
std::optional<std::string> ivyctl_cache_dir(const char* xdg_cache_home, const char* home);

class CtlMatchers {
 public:
  static constexpr std::uint64_t kCacheMaxBytes = 256ULL << 20;

  // Reads IVYCTL_MATCHER, XDG_CACHE_HOME and HOME, and opens the cache.
  explicit CtlMatchers(daemon::Logger& log);

  std::unique_ptr<Matcher> make() const;

 private:
  bool pcre_ = false;
  std::shared_ptr<DatabaseCache> cache_;
};

}  // namespace ivy::ctl
