#include "core/pcre_matcher.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/core/matcher_contract.hpp"

namespace ivy::test {
namespace {

struct PcreSetup {
  static std::unique_ptr<Matcher> make() { return std::make_unique<PcreMatcher>(); }
  static void settle(Matcher&) {}
};

struct PcreJitSetup {
  static std::unique_ptr<Matcher> make() { return std::make_unique<PcreMatcher>(JitMode::kJit); }
  static void settle(Matcher&) {}
};

INSTANTIATE_TYPED_TEST_SUITE_P(PcreMatcher, MatcherContract, PcreSetup);
INSTANTIATE_TYPED_TEST_SUITE_P(PcreMatcherJit, MatcherContract, PcreJitSetup);

TEST(PcreMatcher, CatastrophicPatternCountsAnErrorPromptly) {
  PcreMatcher matcher;
  ASSERT_TRUE(matcher.add(1, 0, "(a+)+$").ok());
  ASSERT_TRUE(matcher.add(1, 1, "^a").ok());
  std::vector<Hit> hits;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(matcher.match(std::string(10'000, 'a') + "b", CaptureMode::kAllGroups, hits), 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_EQ(matcher.match_errors(), 1u);
  EXPECT_EQ(hits, (std::vector<Hit>{{1, 1, {}}}));
}

TEST(PcreMatcher, RemovingTheLastHolderFreesTheText) {
  PcreMatcher matcher;
  ASSERT_TRUE(matcher.add(1, 0, "^A").ok());
  matcher.remove_peer(1);
  ASSERT_TRUE(matcher.add(2, 0, "^A").ok());
  std::vector<Hit> hits;
  matcher.match("A", CaptureMode::kAllGroups, hits);
  EXPECT_EQ(hits, (std::vector<Hit>{{2, 0, {}}}));
}

}  // namespace
}  // namespace ivy::test
