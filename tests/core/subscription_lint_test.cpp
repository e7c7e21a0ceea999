#include "core/subscription_lint.hpp"

#include <algorithm>
#include <random>

#include <gtest/gtest.h>

namespace ivy {
namespace {

LintSubscription sub(std::string agent, std::int32_t id, std::string pattern,
                     std::optional<std::int64_t> matches = std::nullopt) {
  return LintSubscription{"main", agent, "app-" + agent, id, std::move(pattern), matches};
}

std::vector<const LintFinding*> of(const LintReport& r, LintCheck check) {
  std::vector<const LintFinding*> out;
  for (const auto& f : r.findings) {
    if (f.check == check) out.push_back(&f);
  }
  return out;
}

TEST(SubscriptionLint, CheckNamesRoundTrip) {
  for (unsigned c = 0; c < kLintCheckCount; ++c) {
    const auto check = static_cast<LintCheck>(c);
    EXPECT_EQ(parse_lint_check(to_string(check)), check);
  }
  EXPECT_FALSE(parse_lint_check("bogus"));
}

TEST(SubscriptionLint, CleanSubscriptionsGiveNoFindings) {
  const auto r = lint_subscriptions({sub("A", 0, "^AircraftDelete Flight=N(\\d*)"),
                                     sub("B", 1, "^TrackMovedEvent Flight=N X=(\\S+) Y=(\\S+)")});
  EXPECT_EQ(r.subscriptions, 2u);
  EXPECT_EQ(r.patterns, 2u);
  EXPECT_EQ(r.agents, 2u);
  EXPECT_FALSE(r.with_counts);
  EXPECT_TRUE(r.findings.empty());
  EXPECT_EQ(r.problems(), 0u);
}

TEST(SubscriptionLint, InvalidPatternIsReportedAndNotAnalysedFurther) {
  const auto r = lint_subscriptions({sub("A", 3, "^(abc")});
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].check, LintCheck::kInvalid);
  EXPECT_NE(r.findings[0].detail.find("missing closing parenthesis"), std::string::npos)
      << r.findings[0].detail;
  EXPECT_EQ(r.findings[0].offset, std::optional<std::size_t>(5));
  ASSERT_EQ(r.findings[0].holders.size(), 1u);
  EXPECT_EQ(r.findings[0].holders[0].agent, "A");
  EXPECT_EQ(r.findings[0].holders[0].regexp_id, 3);
}

TEST(SubscriptionLint, HyperscanPlacement) {
  const auto r = lint_subscriptions({sub("A", 0, "^K=\\K(\\w+)"), sub("A", 1, "^(\\w+) \\1")});
  ASSERT_EQ(of(r, LintCheck::kHyperscanFallback).size(), 1u);
  EXPECT_EQ(of(r, LintCheck::kHyperscanFallback)[0]->pattern, "^K=\\K(\\w+)");
  ASSERT_EQ(of(r, LintCheck::kHyperscanPrefilter).size(), 1u);
  EXPECT_EQ(of(r, LintCheck::kHyperscanPrefilter)[0]->pattern, "^(\\w+) \\1");
}

TEST(SubscriptionLint, BacktrackingComesWithAnExample) {
  const auto r = lint_subscriptions({sub("A", 0, "^Move (\\w+\\s?)+$")});
  const auto found = of(r, LintCheck::kBacktracking);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]->example.rfind("Move ", 0), 0u) << found[0]->example;
  EXPECT_NE(found[0]->detail.find("PCRE2 gives up"), std::string::npos) << found[0]->detail;
  EXPECT_TRUE(found[0]->offset);
}

TEST(SubscriptionLint, DialectDifferencesOnePerFinding) {
  const auto r = lint_subscriptions({sub("A", 0, "Flight=(?<n>\\d+)")});
  const auto found = of(r, LintCheck::kDialect);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_NE(found[0]->detail.find("not anchored"), std::string::npos);
  EXPECT_FALSE(found[0]->offset);
  EXPECT_NE(found[1]->detail.find("(?<n>"), std::string::npos);
  EXPECT_EQ(found[1]->offset, std::optional<std::size_t>(7));
}

TEST(SubscriptionLint, CatchAllPatterns) {
  const auto r =
      lint_subscriptions({sub("A", 0, "(.*)"), sub("B", 0, "^(.*)$"), sub("C", 0, ".*"),
                          sub("D", 0, ""), sub("E", 0, "^(.+)$"), sub("F", 0, "^a(.*)")});
  std::vector<std::string> patterns;
  for (const auto* f : of(r, LintCheck::kCatchAll)) patterns.push_back(f->pattern);
  EXPECT_EQ(patterns, (std::vector<std::string>{"(.*)", "^(.*)$", ".*", ""}));
}

TEST(SubscriptionLint, DuplicatesCountDistinctAgents) {
  std::vector<LintSubscription> subs{sub("A", 0, "^Tick (\\d+)"), sub("B", 4, "^Tick (\\d+)"),
                                     sub("A", 1, "^Tick (\\d+)"), sub("C", 2, "^Other")};
  EXPECT_TRUE(of(lint_subscriptions(subs), LintCheck::kDuplicate).empty())
      << "A twice is one agent";
  subs.push_back(sub("D", 9, "^Tick (\\d+)"));
  const auto r = lint_subscriptions(subs);
  const auto found = of(r, LintCheck::kDuplicate);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]->detail, "held by 3 agents");
  EXPECT_EQ(found[0]->holders.size(), 4u);
  // Same name, different app ids: two agents.
  std::vector<LintSubscription> twins{sub("A", 0, "^x"), sub("A", 0, "^x"), sub("A", 0, "^x")};
  twins[1].app_id = "other";
  twins[2].app_id = "third";
  EXPECT_EQ(of(lint_subscriptions(twins), LintCheck::kDuplicate).size(), 1u);
}

TEST(SubscriptionLint, RecordingCountsGiveNeverAndMostMatched) {
  const auto r =
      lint_subscriptions({sub("A", 0, "^a", 5), sub("B", 0, "^a", 2), sub("A", 1, "^b", 0),
                          sub("B", 1, "^c", 9), sub("C", 1, "^d", 0)});
  EXPECT_TRUE(r.with_counts);
  std::vector<std::string> never;
  for (const auto* f : of(r, LintCheck::kNeverMatched)) never.push_back(f->pattern);
  EXPECT_EQ(never, (std::vector<std::string>{"^b", "^d"}));
  const auto most = of(r, LintCheck::kMostMatched);
  ASSERT_EQ(most.size(), 2u);
  EXPECT_EQ(most[0]->pattern, "^c");
  EXPECT_EQ(most[0]->matches, 9);
  EXPECT_EQ(most[1]->pattern, "^a");
  EXPECT_EQ(most[1]->matches, 7);
  EXPECT_EQ(r.problems(), 2u) << "most-matched is information";
}

TEST(SubscriptionLint, SkippedChecksAreNotRun) {
  LintOptions options;
  options.skip = lint_bit(LintCheck::kDialect) | lint_bit(LintCheck::kCatchAll);
  const auto r = lint_subscriptions({sub("A", 0, "hello (?<n>x)"), sub("B", 0, "(.*)")}, options);
  EXPECT_TRUE(r.findings.empty());
}

TEST(SubscriptionLint, FindingsComeInCheckOrder) {
  const auto r =
      lint_subscriptions({sub("A", 0, "(.*)"), sub("B", 0, "^(a+)+$"), sub("C", 0, "^(")});
  ASSERT_GE(r.findings.size(), 3u);
  EXPECT_TRUE(
      std::is_sorted(r.findings.begin(), r.findings.end(),
                     [](const LintFinding& a, const LintFinding& b) { return a.check < b.check; }));
  EXPECT_EQ(r.findings.front().check, LintCheck::kInvalid);
}

// Patterns are network input: random ones, heavy in regexp syntax, go
// through every analysis without a crash or a finding that points outside
// the pattern (libFuzzer does more: tests/fuzz/subscription_lint_fuzz.cpp).
TEST(SubscriptionLint, RandomPatternsNeverBreakTheAnalyses) {
  const std::string alphabet = "()[]{}|*+?^$.\\-:=!<>'P&#,0123456789abdswhvzQEKRxkgpcAZbB \xc3\xa9";
  std::mt19937 random(18);
  for (int i = 0; i < 1000; ++i) {
    std::string pattern;
    const int length = static_cast<int>(random() % 24);
    for (int k = 0; k < length; ++k) pattern += alphabet[random() % alphabet.size()];
    const auto r = lint_subscriptions({sub("A", 1, pattern, 0)});
    for (const auto& f : r.findings) {
      ASSERT_EQ(f.pattern, pattern);
      ASSERT_TRUE(!f.offset || *f.offset <= pattern.size()) << pattern;
    }
  }
}

}  // namespace
}  // namespace ivy
