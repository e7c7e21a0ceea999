#include "core/backtracking_check.hpp"

#include <string>

#include <gtest/gtest.h>

#include "core/regex.hpp"

namespace ivy {
namespace {

std::optional<BacktrackingRisk> check(std::string_view pattern) {
  return find_exponential_backtracking(pattern, parse_regex_syntax(pattern));
}

// The classic shapes: nested repetition, overlapping alternatives, a
// repetition whose separator is optional or part of the repeated class.
TEST(BacktrackingCheck, FindsExponentialShapesAndPcre2GivesUpOnTheWitness) {
  for (const char* pattern : {"^(a+)+$", "(a+)+$", "^(\\w+\\s?)+$", "^(a|a)*$", "^(a|aa)+$",
                              "^(\\d+)*$", "^([a-z]+)*=", "^(.*,)+$", "^Flight=(\\w+\\s*)+;",
                              "^([a-zA-Z0-9])(([\\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}(("
                              "[a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$"}) {
    const auto risk = check(pattern);
    ASSERT_TRUE(risk) << pattern;
    EXPECT_FALSE(risk->pump.empty()) << pattern;
    EXPECT_TRUE(risk->pcre2_gives_up) << pattern << " on \"" << risk->example << "\"";
    // The witness really is a text PCRE2 cannot finish within ivyd's limits.
    auto regex = Regex::compile(pattern);
    ASSERT_TRUE(regex);
    EXPECT_FALSE(regex->matches(risk->example).ok()) << pattern;
    EXPECT_EQ(risk->example.rfind(risk->prefix, 0), 0u) << pattern;
  }
}

// "ab" is one item or two: each repetition doubles the ways.
TEST(BacktrackingCheck, TheWitnessIsPrefixPumpAndSuffix) {
  const auto risk = check("^x=(ab|a|b)+$");
  ASSERT_TRUE(risk);
  EXPECT_EQ(risk->prefix.substr(0, 2), "x=");
  EXPECT_EQ(risk->pump.find_first_not_of("ab"), std::string::npos) << risk->pump;
  EXPECT_EQ(risk->suffix.find_first_of("ab"), std::string::npos) << risk->suffix;
  EXPECT_FALSE(risk->suffix.empty());
}

// Two loops that can share a text are a polynomial blow-up, not an
// exponential one: not reported.
TEST(BacktrackingCheck, AdjacentLoopsAreNotExponential) {
  EXPECT_FALSE(check("^x=(ab|a)*(ab)*$"));
  EXPECT_FALSE(check("^a*a*$"));
}

TEST(BacktrackingCheck, UnambiguousRepetitionsAreNotReported) {
  for (const char* pattern :
       {"^(\\d+,)+$", "^(.*) (.*)$", "(a|ab)*c", "^AircraftDelete Flight=N(\\d*)", "(.*)",
        "^TrackMovedEvent Flight=N X=(\\S+) Y=(\\S+)", "^(a|b)*$", "^\\d{1,3}(,\\d{3})*$",
        ".*.*.*=", "^(\\w+)\\s(\\w+)$", "^[a-z]+(-[a-z]+)*$", "", "^$", "a{2,5}",
        "(?i)^abc(def)?$"}) {
    EXPECT_FALSE(check(pattern)) << pattern;
  }
}

// Atomic groups and possessive quantifiers are never backtracked into.
TEST(BacktrackingCheck, AtomicAndPossessiveItemsAreSafe) {
  EXPECT_FALSE(check("^(?>a+)+$"));
  EXPECT_FALSE(check("^(a++)+$"));
  EXPECT_FALSE(check("^(\\w++\\s?)+$"));
}

// Nothing backtracks when the repetition can end the pattern: the match
// succeeds as soon as it gets there.
TEST(BacktrackingCheck, AShapeThatEndsThePatternCannotFail) {
  EXPECT_FALSE(check("(a+)+"));
  EXPECT_FALSE(check("^(\\w+\\s?)+"));
  EXPECT_TRUE(check("^(\\w+\\s?)+$"));
}

TEST(BacktrackingCheck, ReportsWhereTheShapeIs) {
  const std::string pattern = "^Move (\\w+\\s?)+$";
  const auto risk = check(pattern);
  ASSERT_TRUE(risk);
  EXPECT_GE(risk->offset, 6u);
  EXPECT_LT(risk->offset, pattern.size());
}

// Huge or hostile patterns end quickly without a verdict rather than
// exhausting memory.
TEST(BacktrackingCheck, HugePatternsAreNotModelled) {
  std::string pattern = "^(";
  for (int i = 0; i < 500; ++i) pattern += "a?";
  pattern += ")+$";
  EXPECT_FALSE(check(pattern));
  EXPECT_FALSE(
      check("((((((((((a{1,1000}){1,1000}){1,1000}){1,1000}){1,1000}){1,1000}){1,1000}){1,1000}){1,"
            "1000}){1,1000})$"));
}

}  // namespace
}  // namespace ivy
