#include "core/closest_patterns.hpp"

#include <gtest/gtest.h>

namespace ivy {
namespace {

std::vector<NearMiss> closest(std::string_view text, const std::vector<std::string>& patterns,
                              const NearMissOptions& options = {}) {
  return closest_patterns(text, patterns, options);
}

TEST(ClosestPatterns, FirstWordIsUpToTheFirstSpace) {
  EXPECT_EQ(first_word("TrackMoved 12 north"), "TrackMoved");
  EXPECT_EQ(first_word("Ping"), "Ping");
  EXPECT_EQ(first_word(" lead"), "");
  EXPECT_EQ(first_word(""), "");
}

TEST(ClosestPatterns, SameFirstWordComesFirstThenTheLongestAgreement) {
  const std::vector<std::string> patterns{"^FlightPlan (.*)", "^Track(\\d+)",
                                          "^TrackMoved (\\d+) (\\d+)", "^TrackMoved$"};
  EXPECT_EQ(closest("TrackMoved 12 north", patterns),
            (std::vector<NearMiss>{{2, true, 14}, {3, true, 10}, {1, false, 5}}));
}

TEST(ClosestPatterns, AgreedBytesIsWhereTheTextParts) {
  const std::vector<std::string> patterns{"^hello (\\d+)$"};
  EXPECT_EQ(closest("hello world", patterns), (std::vector<NearMiss>{{0, true, 6}}));
  EXPECT_EQ(closest("hello 12x", patterns), (std::vector<NearMiss>{{0, true, 8}}));
}

TEST(ClosestPatterns, WholeTextFitsWhenThePatternWantsMore) {
  const std::vector<std::string> patterns{"^hello (\\d+) (\\d+)"};
  EXPECT_EQ(closest("hello 12", patterns), (std::vector<NearMiss>{{0, true, 8}}));
}

TEST(ClosestPatterns, AFewBytesInCommonAreChance) {
  const std::vector<std::string> patterns{"^Tx", "^Tra(\\d+)", "^Trac(\\d+)"};
  EXPECT_EQ(closest("Track 1", patterns), (std::vector<NearMiss>{{2, false, 4}}));
}

TEST(ClosestPatterns, AShortTextMustFitWhole) {
  const std::vector<std::string> patterns{"^Ho", "^Hi there"};
  EXPECT_EQ(closest("Hi", patterns), (std::vector<NearMiss>{{1, true, 2}}));
}

TEST(ClosestPatterns, UnanchoredPatternIsWeighedFromTheTextsStart) {
  const std::vector<std::string> patterns{"TrackMoved (\\d+)"};
  EXPECT_EQ(closest("TrackMoved abc", patterns), (std::vector<NearMiss>{{0, true, 11}}));
}

TEST(ClosestPatterns, AlternationHasNoLiteralFirstWordButIsWeighedByPcre) {
  const std::vector<std::string> patterns{"^(TrackMoved|FlightPlan) (\\d+)"};
  EXPECT_EQ(closest("TrackMoved abc", patterns), (std::vector<NearMiss>{{0, false, 11}}));
}

TEST(ClosestPatterns, GluedWordIsNotTheSameFirstWord) {
  const std::vector<std::string> patterns{"^TrackMoved(\\d+)", "^TrackMoved\\s+(\\d+)"};
  EXPECT_EQ(closest("TrackMoved x", patterns),
            (std::vector<NearMiss>{{1, true, 11}, {0, false, 10}}));
}

TEST(ClosestPatterns, OptionalFlagsInFrontAreWeighedByPcre) {
  const std::vector<std::string> patterns{"(?i)^trackmoved (\\d+)"};
  EXPECT_EQ(closest("TrackMoved abc", patterns), (std::vector<NearMiss>{{0, false, 11}}));
}

TEST(ClosestPatterns, PatternThatDoesNotCompileIsSkipped) {
  const std::vector<std::string> patterns{"^TrackMoved (", "^TrackMoved (\\d+"};
  EXPECT_TRUE(closest("TrackMoved abc", patterns).empty());
}

TEST(ClosestPatterns, KeepsAtMostMaxResultsInOrder) {
  std::vector<std::string> patterns;
  for (int i = 0; i < 10; ++i)
    patterns.push_back("^Status " + std::string(static_cast<std::size_t>(i), 'x') + "$");
  NearMissOptions options;
  options.max_results = 3;
  const auto found = closest("Status xxxxxxxxxxxxy", patterns, options);
  EXPECT_EQ(found, (std::vector<NearMiss>{{9, true, 16}, {8, true, 15}, {7, true, 14}}));
}

TEST(ClosestPatterns, WeighsOnlyTheStartOfALongText) {
  const std::string text = std::string(5000, 'a') + "c";
  const std::vector<std::string> patterns{"^a+b"};
  NearMissOptions options;
  options.max_text_bytes = 1024;
  EXPECT_EQ(closest(text, patterns, options), (std::vector<NearMiss>{{0, false, 1024}}));
}

TEST(ClosestPatterns, CatastrophicPatternStillEnds) {
  // The whole text sends `(a+)+b` into exponential backtracking, which the
  // match limit ends: the whole text does not fit, the rest does.
  const std::string text = std::string(40, 'a') + "c";
  const std::vector<std::string> patterns{"^(a+)+b", "^aaaaX"};
  EXPECT_EQ(closest(text, patterns), (std::vector<NearMiss>{{0, false, 40}, {1, false, 4}}));
}

TEST(ClosestPatterns, PastTheBudgetOnlyTheLiteralIsWeighed) {
  const std::vector<std::string> patterns{"^TrackMoved (\\d+) x", "^(TrackMoved|X) y",
                                          "^TrackMoved ("};
  NearMissOptions options;
  options.max_pcre2_calls = 0;
  // "TrackMoved 12 y": the literal "TrackMoved " agrees; PCRE2 would have
  // gone on to 14 bytes, and would have refused the third pattern.
  EXPECT_EQ(closest("TrackMoved 12 y", patterns, options),
            (std::vector<NearMiss>{{0, true, 11}, {2, true, 11}}));
  options.max_pcre2_calls = 1'000;
  EXPECT_EQ(closest("TrackMoved 12 y", patterns, options),
            (std::vector<NearMiss>{{0, true, 14}, {1, false, 11}}));
}

TEST(ClosestPatterns, EmptyTextHasNoNearMisses) {
  const std::vector<std::string> patterns{"^a", "^$x"};
  EXPECT_TRUE(closest("", patterns).empty());
}

TEST(ClosestPatterns, HighBytesAreBytes) {
  const std::vector<std::string> patterns{"^caf\xc3\xa9 \\d"};
  EXPECT_EQ(closest("caf\xc3\xa9 x", patterns), (std::vector<NearMiss>{{0, true, 6}}));
}

TEST(ClosestPatterns, NulEndsTheLiteralAndPcreWeighsTheRest) {
  const std::vector<std::string> patterns{std::string("^ab\0cd", 6)};
  EXPECT_EQ(closest(std::string_view("ab\0ce", 5), patterns),
            (std::vector<NearMiss>{{0, false, 4}}));
}

}  // namespace
}  // namespace ivy
