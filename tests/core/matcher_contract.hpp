#pragma once
// The Matcher contract (core/matcher.hpp) as a typed test suite: every
// implementation instantiates it with a Setup type that has
//   static std::unique_ptr<Matcher> make();
//   static void settle(Matcher&);   // after adds: e.g. wait for compiles
// so PcreMatcher and HyperscanMatcher are held to the same behaviour.

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/matcher.hpp"

namespace ivy::test {

using Captures = std::vector<std::string>;

template <class Setup>
class MatcherContract : public ::testing::Test {
 protected:
  MatcherContract() : matcher_(Setup::make()) {}

  void add(PeerKey peer, int id, std::string_view pattern) {
    ASSERT_TRUE(matcher_->add(peer, id, pattern).ok()) << pattern;
  }

  std::vector<Hit> match(std::string_view text, CaptureMode mode = CaptureMode::kAllGroups) {
    Setup::settle(*matcher_);
    std::vector<Hit> hits;
    const std::size_t n = matcher_->match(text, mode, hits);
    EXPECT_EQ(n, hits.size());
    return hits;
  }

  std::unique_ptr<Matcher> matcher_;
};

TYPED_TEST_SUITE_P(MatcherContract);

TYPED_TEST_P(MatcherContract, SearchesAnywhereInTheText) {
  this->add(1, 0, "mid(dle)");
  EXPECT_EQ(this->match("in the middle"), (std::vector<Hit>{{1, 0, {"dle"}}}));
}

TYPED_TEST_P(MatcherContract, TwoMatchingRegexpsOfOnePeerGiveTwoHitsInAddOrder) {
  this->add(1, 5, "^Hello (\\w+)");
  this->add(1, 2, "world");
  EXPECT_EQ(this->match("Hello world"), (std::vector<Hit>{{1, 5, {"world"}}, {1, 2, {}}}));
}

TYPED_TEST_P(MatcherContract, SameTextHeldByTwoPeersHitsBoth) {
  this->add(2, 0, "^A=(\\d+)");
  this->add(1, 7, "^B");
  this->add(1, 3, "^A=(\\d+)");
  EXPECT_EQ(this->match("A=42"), (std::vector<Hit>{{2, 0, {"42"}}, {1, 3, {"42"}}}));
}

TYPED_TEST_P(MatcherContract, GroupsBecomeCaptures) {
  this->add(1, 0, "^T Flight=(\\d+) X=(\\S+) Y=(\\S+)");
  this->add(1, 1, "a()b");
  this->add(1, 2, "^(.*)$");
  EXPECT_EQ(this->match("T Flight=12 X=1 Y=2"),
            (std::vector<Hit>{{1, 0, {"12", "1", "2"}}, {1, 2, {"T Flight=12 X=1 Y=2"}}}));
  EXPECT_EQ(this->match("ab"), (std::vector<Hit>{{1, 1, {""}}, {1, 2, {"ab"}}}));
}

TYPED_TEST_P(MatcherContract, CatchAllMatchesEmptyText) {
  this->add(1, 0, "(.*)");
  EXPECT_EQ(this->match(""), (std::vector<Hit>{{1, 0, {""}}}));
}

TYPED_TEST_P(MatcherContract, LineFeedRulesFollowPcre) {
  this->add(1, 0, "^ab$");
  this->add(1, 1, "^a.b");
  EXPECT_EQ(this->match("ab\n").size(), 1u);
  EXPECT_EQ(this->match("ab\n\n").size(), 0u);
  EXPECT_EQ(this->match("a\nb").size(), 0u);
}

TYPED_TEST_P(MatcherContract, MatchesLatin1BytesNotUtf8) {
  this->add(1, 0, "^a.b$");
  EXPECT_EQ(this->match("a\xe9" "b").size(), 1u);
  EXPECT_EQ(this->match("a\xc3\xa9" "b").size(), 0u);
}

TYPED_TEST_P(MatcherContract, CaptureModesDifferOnTrailingUnmatchedGroups) {
  this->add(1, 0, "^ab(c)?(d)?$");
  this->add(1, 1, "^x(y)?(z)");
  EXPECT_EQ(this->match("ab"), (std::vector<Hit>{{1, 0, {"", ""}}}));
  EXPECT_EQ(this->match("ab", CaptureMode::kStrictC), (std::vector<Hit>{{1, 0, {}}}));
  EXPECT_EQ(this->match("xz", CaptureMode::kStrictC), (std::vector<Hit>{{1, 1, {"", "z"}}}));
}

TYPED_TEST_P(MatcherContract, ReAddOfAnIdReplacesThePattern) {
  this->add(1, 0, "^old");
  this->add(1, 0, "^new");
  EXPECT_TRUE(this->match("old").empty());
  EXPECT_EQ(this->match("new").size(), 1u);
  EXPECT_EQ(this->matcher_->subscription_count(), 1u);
}

TYPED_TEST_P(MatcherContract, FailedReAddRemovesTheOldPattern) {
  this->add(1, 0, "^old");
  const auto r = this->matcher_->add(1, 0, "(");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().offset, 1);
  EXPECT_EQ(r.error().message, "missing closing parenthesis");
  EXPECT_TRUE(this->match("old").empty());
  EXPECT_EQ(this->matcher_->subscription_count(), 0u);
}

TYPED_TEST_P(MatcherContract, RemovedSubscriptionsNoLongerMatch) {
  this->add(1, 0, "^A");
  this->add(1, 1, "^A");
  this->add(2, 0, "^A");
  this->add(3, 0, "^A");
  this->match("A");
  this->matcher_->remove(1, 0);
  this->matcher_->remove(9, 9);  // unknown: ignored
  this->matcher_->remove_peer(2);
  EXPECT_EQ(this->match("A"), (std::vector<Hit>{{1, 1, {}}, {3, 0, {}}}));
  EXPECT_EQ(this->matcher_->subscription_count(), 2u);
}

TYPED_TEST_P(MatcherContract, MatchPeerLooksAtOnePeerOnly) {
  this->add(1, 0, "^A");
  this->add(2, 0, "^A(.)");
  this->add(2, 1, "^B");
  std::vector<Hit> hits;
  EXPECT_EQ(this->matcher_->match_peer(2, "AB", CaptureMode::kAllGroups, hits), 1u);
  EXPECT_EQ(hits, (std::vector<Hit>{{2, 0, {"B"}}}));
}

TYPED_TEST_P(MatcherContract, MatchRefsListsReceiversInAddOrder) {
  this->add(1, 0, "^A(\\d)");
  this->add(2, 4, "(?<=A)1");
  this->add(3, 1, "^B");
  TypeParam::settle(*this->matcher_);
  std::vector<SubscriptionRef> refs;
  EXPECT_EQ(this->matcher_->match_refs("A1", refs), 2u);
  EXPECT_EQ(refs, (std::vector<SubscriptionRef>{{1, 0}, {2, 4}}));
}

TYPED_TEST_P(MatcherContract, PatternsHyperscanRejectsStillMatch) {
  this->add(1, 0, "^(\\w+) \\1$");      // back-reference
  this->add(1, 1, "^K=\\K(\\w+)");      // \K
  this->add(1, 2, "^E$(0)?");           // embedded end anchor
  this->add(1, 3, "^P\\d++(\\w)");      // possessive
  EXPECT_EQ(this->match("ab ab"), (std::vector<Hit>{{1, 0, {"ab"}}}));
  EXPECT_TRUE(this->match("ab ac").empty());
  EXPECT_EQ(this->match("K=v"), (std::vector<Hit>{{1, 1, {"v"}}}));
  EXPECT_EQ(this->match("E"), (std::vector<Hit>{{1, 2, {""}}}));
  EXPECT_EQ(this->match("P12x"), (std::vector<Hit>{{1, 3, {"x"}}}));
}

REGISTER_TYPED_TEST_SUITE_P(MatcherContract, SearchesAnywhereInTheText,
                            TwoMatchingRegexpsOfOnePeerGiveTwoHitsInAddOrder,
                            SameTextHeldByTwoPeersHitsBoth, GroupsBecomeCaptures,
                            CatchAllMatchesEmptyText, LineFeedRulesFollowPcre,
                            MatchesLatin1BytesNotUtf8, CaptureModesDifferOnTrailingUnmatchedGroups,
                            ReAddOfAnIdReplacesThePattern, FailedReAddRemovesTheOldPattern,
                            RemovedSubscriptionsNoLongerMatch, MatchPeerLooksAtOnePeerOnly,
                            MatchRefsListsReceiversInAddOrder, PatternsHyperscanRejectsStillMatch);

}  // namespace ivy::test
