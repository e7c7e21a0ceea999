#include "daemon/ivyctl/ctl_matchers.hpp"

#include <cstdlib>
#include <string_view>

#include "core/hs_matcher.hpp"
#include "core/pcre_matcher.hpp"
#include "storage/file_database_cache.hpp"

namespace ivy::ctl {

// The XDG base directory rule: a relative $XDG_CACHE_HOME is invalid and ignored.
std::optional<std::string> ivyctl_cache_dir(const char* xdg_cache_home, const char* home) {
  if (xdg_cache_home && xdg_cache_home[0] == '/') return std::string(xdg_cache_home) + "/ivyd";
  if (home && home[0] == '/') return std::string(home) + "/.cache/ivyd";
  return std::nullopt;
}

CtlMatchers::CtlMatchers(daemon::Logger& log) {
  const char* choice = std::getenv("IVYCTL_MATCHER");
  pcre_ = choice && std::string_view(choice) == "pcre";
  if (pcre_) return;
  const auto dir = ivyctl_cache_dir(std::getenv("XDG_CACHE_HOME"), std::getenv("HOME"));
  if (!dir) return;
  auto cache = storage::FileDatabaseCache::open(*dir, kCacheMaxBytes);
  if (!cache) {
    log.warning(cache.error().message + "; running without a Hyperscan database cache");
    return;
  }
  cache_ = *cache;
}

std::unique_ptr<Matcher> CtlMatchers::make() const {
  if (pcre_) return std::make_unique<PcreMatcher>();
  HyperscanMatcherOptions options;
  options.cache = cache_;
  return std::make_unique<HyperscanMatcher>(std::move(options));
}

}  // namespace ivy::ctl
