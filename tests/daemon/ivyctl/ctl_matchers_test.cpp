// CtlMatchers (daemon/ivyctl/ctl_matchers.hpp): where ivyctl keeps its
// Hyperscan databases, and which matcher IVYCTL_MATCHER picks.
#include "daemon/ivyctl/ctl_matchers.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

#include "core/hs_matcher.hpp"
#include "core/pcre_matcher.hpp"
#include "tests/daemon/process_support.hpp"

namespace ivy::ctl {
namespace {

TEST(CtlMatchers, CacheDirFollowsTheXdgRule) {
  EXPECT_EQ(ivyctl_cache_dir("/x/cache", "/home/u"), std::optional<std::string>("/x/cache/ivyd"));
  EXPECT_EQ(ivyctl_cache_dir(nullptr, "/home/u"),
            std::optional<std::string>("/home/u/.cache/ivyd"));
  EXPECT_EQ(ivyctl_cache_dir("", "/home/u"), std::optional<std::string>("/home/u/.cache/ivyd"));
  EXPECT_EQ(ivyctl_cache_dir("relative", "/home/u"),
            std::optional<std::string>("/home/u/.cache/ivyd"));
  EXPECT_EQ(ivyctl_cache_dir(nullptr, nullptr), std::nullopt);
  EXPECT_EQ(ivyctl_cache_dir(nullptr, ""), std::nullopt);
}

TEST(CtlMatchers, HyperscanByDefaultAndPcreWhenAsked) {
  ivy::test::PrivateCacheHome home;
  std::ostringstream sink;
  daemon::Logger log(daemon::LogLevel::kWarning, daemon::Logger::Style::kPlain, &sink);
  ::unsetenv("IVYCTL_MATCHER");
  EXPECT_NE(dynamic_cast<HyperscanMatcher*>(CtlMatchers(log).make().get()), nullptr);
  ::setenv("IVYCTL_MATCHER", "pcre", 1);
  EXPECT_NE(dynamic_cast<PcreMatcher*>(CtlMatchers(log).make().get()), nullptr);
  ::unsetenv("IVYCTL_MATCHER");
  EXPECT_EQ(sink.str(), "");
}

}  // namespace
}  // namespace ivy::ctl
