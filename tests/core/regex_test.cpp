#include "core/regex.hpp"

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace ivy {
namespace {

using Captures = std::vector<std::string>;

Regex compiled(std::string_view pattern, JitMode jit = JitMode::kInterpreter) {
  auto r = Regex::compile(pattern, jit);
  EXPECT_TRUE(r.ok()) << pattern;
  return std::move(r).value();
}

// The captures of a search that must match.
Captures captures_of(std::string_view pattern, std::string_view text,
                     CaptureMode mode = CaptureMode::kAllGroups) {
  Captures captures{"stale"};
  const Result<bool> found = compiled(pattern).search(text, mode, captures);
  EXPECT_TRUE(found.ok() && *found) << pattern << " on " << text;
  return captures;
}

bool matches(std::string_view pattern, std::string_view text) {
  const Result<bool> found = compiled(pattern).matches(text);
  return found.ok() && *found;
}

// Regression: a peer's `(*UTF)` turns UTF mode on; JIT code entered with
// pcre2_jit_match then skipped the UTF check and read past a text that ends
// in a truncated UTF-8 sequence. It must be an error value, in both modes.
TEST(Regex, UtfPatternOnInvalidUtf8IsAnErrorNotACrash) {
  const std::string buffer = "\xF0 followed by more bytes that are not the text";
  const std::string_view text(buffer.data(), 1);
  for (const JitMode mode : {JitMode::kInterpreter, JitMode::kJit}) {
    auto regex = Regex::compile("(*UTF)^.(.*)", mode);
    ASSERT_TRUE(regex.ok());
    std::vector<std::string> captures{"untouched"};
    const Result<bool> found = regex->search(text, CaptureMode::kAllGroups, captures);
    EXPECT_FALSE(found.ok()) << "invalid UTF-8 in UTF mode is PCRE2's error, not a match";
    EXPECT_EQ(captures, std::vector<std::string>{"untouched"});
    EXPECT_FALSE(regex->matches(text).ok());
  }
}

TEST(Regex, SearchesAnywhereInTheText) {
  EXPECT_EQ(captures_of("mid(dle)", "in the middle"), Captures{"dle"});
  EXPECT_TRUE(matches("ab", "xab"));
}

TEST(Regex, ReturnsNoMatchAndLeavesCapturesAlone) {
  Captures captures{"kept"};
  const Result<bool> found = compiled("^b").search("ab", CaptureMode::kAllGroups, captures);
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(*found);
  EXPECT_EQ(captures, Captures{"kept"});
}

TEST(Regex, GivesOneCapturePerGroup) {
  EXPECT_EQ(captures_of("^Ping", "Ping"), Captures{});
  EXPECT_EQ(captures_of("^A=(\\d+)", "A=12"), Captures{"12"});
  EXPECT_EQ(captures_of("^A=(\\d+) B=(\\S+)", "A=1 B=x y"), (Captures{"1", "x"}));
}

TEST(Regex, EmptyGroupIsAnEmptyCapture) {
  EXPECT_EQ(captures_of("a()b", "ab"), Captures{""});
  EXPECT_EQ(captures_of("(.*)", ""), Captures{""});
}

TEST(Regex, DollarMatchesBeforeFinalLineFeedOnly) {
  EXPECT_TRUE(matches("^ab$", "ab\n"));
  EXPECT_FALSE(matches("^ab$", "ab\n\n"));
}

TEST(Regex, DotDoesNotMatchLineFeed) {
  EXPECT_FALSE(matches("^a.b", "a\nb"));
  EXPECT_TRUE(matches("^a.b", "a-b"));
}

TEST(Regex, WorksOnBytesNotUtf8) {
  EXPECT_TRUE(matches("^a.b$", "a\xe9" "b"));           // Latin-1: one byte
  EXPECT_FALSE(matches("^a.b$", "a\xc3\xa9" "b"));      // UTF-8: two bytes
  EXPECT_EQ(captures_of("^a(.)b", "a\xe9" "b"), Captures{"\xe9"});
}

TEST(Regex, IsCaseSensitiveUnlessInlineFlag) {
  EXPECT_FALSE(matches("^abc", "ABC"));
  EXPECT_TRUE(matches("(?i)^abc", "ABC"));
}

TEST(Regex, AllGroupsModeSendsEveryGroup) {
  EXPECT_EQ(captures_of("^ab(c)?(d)?$", "ab"), (Captures{"", ""}));
  EXPECT_EQ(captures_of("^x(y)?(z)", "xz"), (Captures{"", "z"}));
}

TEST(Regex, StrictCModeLeavesOutTrailingUnmatchedGroups) {
  EXPECT_EQ(captures_of("^ab(c)?(d)?$", "ab", CaptureMode::kStrictC), Captures{});
  EXPECT_EQ(captures_of("^ab(c)?(d)?$", "abc", CaptureMode::kStrictC), Captures{"c"});
  EXPECT_EQ(captures_of("^x(y)?(z)", "xz", CaptureMode::kStrictC), (Captures{"", "z"}));
}

TEST(Regex, ReportsCompileErrorOffsetAndMessage) {
  const auto r = Regex::compile("(");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().offset, 1);
  EXPECT_EQ(r.error().message, "missing closing parenthesis");
}

TEST(Regex, CountsCaptureGroups) {
  EXPECT_EQ(compiled("a(b)(?:c)(d(e))").capture_count(), 3);
}

TEST(Regex, CatastrophicBacktrackingIsAnErrorNotAHang) {
  const std::string text = std::string(10'000, 'a') + "b";
  for (JitMode jit : {JitMode::kInterpreter, JitMode::kJit}) {
    const Regex regex = compiled("(a+)+$", jit);
    Captures captures;
    const auto start = std::chrono::steady_clock::now();
    const Result<bool> found = regex.search(text, CaptureMode::kAllGroups, captures);
    EXPECT_FALSE(found.ok());
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  }
}

TEST(Regex, JitGivesTheSameCaptures) {
  const Regex regex = compiled("^T Flight=(\\d+) X=(\\S+)", JitMode::kJit);
  Captures captures;
  ASSERT_TRUE(*regex.search("T Flight=12 X=3.5", CaptureMode::kAllGroups, captures));
  EXPECT_EQ(captures, (Captures{"12", "3.5"}));
}

TEST(Regex, MovedFromRegexCanBeDestroyedAndReassigned) {
  Regex a = compiled("a");
  Regex b = std::move(a);
  a = compiled("b(c)");
  EXPECT_TRUE(*b.matches("xa"));
  EXPECT_EQ(a.capture_count(), 1);
}

}  // namespace
}  // namespace ivy
