#include "core/regex_syntax.hpp"

#include <algorithm>
#include <string>

#include <gtest/gtest.h>

namespace ivy {
namespace {

std::vector<RegexFeature> features_of(std::string_view pattern) {
  std::vector<RegexFeature> out;
  for (const auto& f : parse_regex_syntax(pattern).features) out.push_back(f.feature);
  return out;
}

bool has_feature(std::string_view pattern, RegexFeature feature) {
  const auto all = features_of(pattern);
  return std::find(all.begin(), all.end(), feature) != all.end();
}

const RegexSequence& top(const RegexSyntax& s) { return s.alternatives.at(0); }

TEST(RegexSyntax, LiteralsClassesAndQuantifiers) {
  const auto s = parse_regex_syntax("^ab[0-9x]+c*?d{2,5}e{3,}$");
  const auto& seq = top(s);
  ASSERT_EQ(seq.size(), 8u);
  EXPECT_EQ(seq[0].kind, RegexNodeKind::kAssert);
  EXPECT_EQ(seq[0].assertion, AssertKind::kStart);
  EXPECT_EQ(seq[1].bytes, byte_set_of('a'));
  EXPECT_EQ(seq[3].bytes, byte_range('0', '9') | byte_set_of('x'));
  EXPECT_EQ(seq[3].min, 1);
  EXPECT_EQ(seq[3].max, kUnbounded);
  EXPECT_EQ(seq[3].offset, 3u);
  EXPECT_EQ(seq[3].length, 7u);
  EXPECT_TRUE(seq[4].lazy);
  EXPECT_EQ(seq[4].min, 0);
  EXPECT_EQ(seq[5].min, 2);
  EXPECT_EQ(seq[5].max, 5);
  EXPECT_EQ(seq[6].min, 3);
  EXPECT_EQ(seq[6].max, kUnbounded);
  EXPECT_EQ(seq[7].assertion, AssertKind::kEnd);
  EXPECT_TRUE(s.features.empty());
}

TEST(RegexSyntax, GroupsAlternativesAndCaptureCount) {
  const auto s = parse_regex_syntax("(a|bc)(?:d)(?P<n>e)|f");
  ASSERT_EQ(s.alternatives.size(), 2u);
  ASSERT_EQ(top(s).size(), 3u);
  EXPECT_EQ(top(s)[0].kind, RegexNodeKind::kGroup);
  EXPECT_EQ(top(s)[0].group, GroupKind::kCapture);
  EXPECT_EQ(top(s)[0].alternatives.size(), 2u);
  EXPECT_EQ(top(s)[1].group, GroupKind::kNonCapture);
  EXPECT_EQ(s.capture_groups, 2);
  EXPECT_EQ(s.alternatives[1][0].bytes, byte_set_of('f'));
}

TEST(RegexSyntax, ClassEscapesDotAndNegation) {
  const auto s = parse_regex_syntax(R"(\d\w\s.[^a]\.)");
  const auto& seq = top(s);
  ASSERT_EQ(seq.size(), 6u);
  EXPECT_EQ(seq[0].bytes, byte_range('0', '9'));
  EXPECT_TRUE(seq[1].bytes.test('_'));
  EXPECT_FALSE(seq[1].bytes.test('-'));
  EXPECT_TRUE(seq[2].bytes.test('\v'));
  EXPECT_FALSE(seq[3].bytes.test('\n'));
  EXPECT_EQ(seq[3].bytes.count(), 255u);
  EXPECT_FALSE(seq[4].bytes.test('a'));
  EXPECT_TRUE(seq[4].bytes.test('b'));
  EXPECT_EQ(seq[5].bytes, byte_set_of('.'));
}

TEST(RegexSyntax, FlagsChangeTheBytesOfTheRestOfTheirGroup) {
  const auto s = parse_regex_syntax("a(?i)b(?s:.)(c(?x) d )e.");
  const auto& seq = top(s);
  EXPECT_EQ(seq[0].bytes, byte_set_of('a'));
  EXPECT_EQ(seq[1].bytes, byte_set_of('b') | byte_set_of('B'));
  EXPECT_EQ(seq[2].alternatives[0][0].bytes.count(), 256u);  // (?s:.)
  const auto& inner = seq[3].alternatives[0];
  ASSERT_EQ(inner.size(), 2u) << "x mode ignores the spaces inside the group";
  EXPECT_EQ(seq[4].bytes, byte_set_of('e') | byte_set_of('E'));
  EXPECT_EQ(seq[5].bytes.count(), 255u) << "the s flag ended with its group";
  EXPECT_TRUE(has_feature("a(?i)b", RegexFeature::kMidPatternFlags));
  EXPECT_FALSE(has_feature("(?i)(?s)ab", RegexFeature::kMidPatternFlags));
}

TEST(RegexSyntax, QuotingIsLiteralAndTheQuantifierTakesTheLastByte) {
  const auto s = parse_regex_syntax(R"(\Qa.b\E+)");
  const auto& seq = top(s);
  ASSERT_EQ(seq.size(), 3u);
  EXPECT_EQ(seq[1].bytes, byte_set_of('.'));
  EXPECT_EQ(seq[2].max, kUnbounded);
  EXPECT_TRUE(has_feature(R"(\Qa\E)", RegexFeature::kQuoting));
}

TEST(RegexSyntax, BackReferencesAndOctal) {
  const auto s = parse_regex_syntax(R"((a)\1\012\g{1}\k<x>)");
  const auto& seq = top(s);
  ASSERT_EQ(seq.size(), 5u);
  EXPECT_EQ(seq[1].kind, RegexNodeKind::kBackref);
  EXPECT_EQ(seq[2].bytes, byte_set_of('\n'));
  EXPECT_EQ(seq[3].kind, RegexNodeKind::kBackref);
  EXPECT_EQ(seq[4].kind, RegexNodeKind::kBackref);
}

TEST(RegexSyntax, HexAndControlEscapes) {
  const auto s = parse_regex_syntax(R"(\x41\x{42}\cA\e)");
  const auto& seq = top(s);
  ASSERT_EQ(seq.size(), 4u);
  EXPECT_EQ(seq[0].bytes, byte_set_of('A'));
  EXPECT_EQ(seq[1].bytes, byte_set_of('B'));
  EXPECT_EQ(seq[2].bytes, byte_set_of(1));
  EXPECT_EQ(seq[3].bytes, byte_set_of(27));
  EXPECT_TRUE(has_feature(R"(\x{42})", RegexFeature::kBraceHex));
  EXPECT_TRUE(has_feature(R"(\xA)", RegexFeature::kShortHex));
  EXPECT_FALSE(has_feature(R"(\x41)", RegexFeature::kShortHex));
}

TEST(RegexSyntax, PosixClassesInsideBrackets) {
  const auto s = parse_regex_syntax("[[:alpha:][:digit:]_]");
  EXPECT_EQ(top(s)[0].bytes,
            byte_range('a', 'z') | byte_range('A', 'Z') | byte_range('0', '9') | byte_set_of('_'));
  EXPECT_TRUE(has_feature("[[:alpha:]]", RegexFeature::kPosixClass));
}

TEST(RegexSyntax, PcreOnlyConstructsAreFeatures) {
  EXPECT_TRUE(has_feature("(?<n>a)", RegexFeature::kAngleNamedGroup));
  EXPECT_TRUE(has_feature("(?'n'a)", RegexFeature::kAngleNamedGroup));
  EXPECT_TRUE(has_feature("(?P<n>a)", RegexFeature::kPythonNamedGroup));
  EXPECT_TRUE(has_feature("(?>a)", RegexFeature::kAtomicGroup));
  EXPECT_TRUE(has_feature("a++", RegexFeature::kPossessive));
  EXPECT_TRUE(has_feature("a{1,2}+", RegexFeature::kPossessive));
  EXPECT_TRUE(has_feature("a(?R)?b", RegexFeature::kRecursion));
  EXPECT_TRUE(has_feature("(a)(?1)", RegexFeature::kRecursion));
  EXPECT_TRUE(has_feature("(?&n)", RegexFeature::kRecursion));
  EXPECT_TRUE(has_feature("(?|a)", RegexFeature::kBranchReset));
  EXPECT_TRUE(has_feature("(*UTF)a", RegexFeature::kVerb));
  EXPECT_TRUE(has_feature("(?C1)a", RegexFeature::kCallout));
  EXPECT_TRUE(has_feature("(?U)a", RegexFeature::kPcreOnlyFlag));
  EXPECT_TRUE(has_feature("(?-i)a", RegexFeature::kNegatedGlobalFlag));
  EXPECT_TRUE(has_feature("x{,3}", RegexFeature::kEmptyMinQuantifier));
  EXPECT_TRUE(has_feature("(?<=a|bc)x", RegexFeature::kVariableLookbehind));
  EXPECT_FALSE(has_feature("(?<=ab|bc)x", RegexFeature::kVariableLookbehind));
  EXPECT_TRUE(has_feature("(?(<n>)a|b)", RegexFeature::kPcreOnlyCondition));
  EXPECT_FALSE(has_feature("(a)(?(1)a|b)", RegexFeature::kPcreOnlyCondition));
  EXPECT_TRUE(has_feature("(?(?=a)a|b)", RegexFeature::kPcreOnlyCondition));
  for (const char* escape :
       {R"(\h)", R"(\R)", R"(a\Kb)", R"(\z)", R"(\G)", R"(\X)", R"(\C)", R"(\pL)", R"(\p{Lu})",
        R"(\e)", R"(\cA)", R"(\o{101})", R"((a)\g{1})", R"((?<n>a)\k<n>)", R"(\N)"}) {
    EXPECT_TRUE(has_feature(escape, RegexFeature::kPcreOnlyEscape)) << escape;
  }
  EXPECT_TRUE(has_feature(R"(\v)", RegexFeature::kVerticalSpaceEscape));
  EXPECT_TRUE(has_feature(R"([\V])", RegexFeature::kVerticalSpaceEscape));
}

TEST(RegexSyntax, PortablePatternsHaveNoFeatures) {
  for (const char* pattern :
       {"^AircraftDelete Flight=N(\\d*)", "^TrackMovedEvent Flight=N X=(\\S+) Y=(\\S+)", "(.*)",
        "^hello (.*)", "(?i)^abc$", "a{2}b{1,}c{0,3}", "[]a-]", "[^]a]", "\\Z", "(?P<n>a)(?P=n)",
        "(?#comment)a", "(?=a)(?!b)(?<=c)(?<!d)"}) {
    const auto features = features_of(pattern);
    const bool only_python_named =
        std::all_of(features.begin(), features.end(),
                    [](RegexFeature f) { return f == RegexFeature::kPythonNamedGroup; });
    EXPECT_TRUE(only_python_named) << pattern;
  }
}

TEST(RegexSyntax, NonAsciiBytesInClassesAndUnderQuantifiers) {
  EXPECT_TRUE(has_feature("[\xc3\xa9\xc3\xa8]", RegexFeature::kNonAsciiInClass));
  EXPECT_TRUE(has_feature("caf\xc3\xa9?", RegexFeature::kNonAsciiQuantified));
  EXPECT_FALSE(has_feature("caf\xc3\xa9 ok", RegexFeature::kNonAsciiQuantified));
}

TEST(RegexSyntax, FeatureOffsetsPointAtTheConstruct) {
  const auto s = parse_regex_syntax("ab(?<name>c)\\z");
  ASSERT_EQ(s.features.size(), 2u);
  EXPECT_EQ(s.features[0].offset, 2u);
  EXPECT_EQ(s.features[0].length, 8u);  // the opener and the name: "(?<name>"
  EXPECT_EQ(s.features[1].offset, 12u);
  EXPECT_EQ(s.features[1].length, 2u);
}

TEST(RegexSyntax, WidthsOfSequences) {
  auto width = [](std::string_view p) {
    return regex_width(parse_regex_syntax(p).alternatives.at(0));
  };
  EXPECT_EQ(width("abc").min, 3);
  EXPECT_EQ(width("abc").max, 3);
  EXPECT_EQ(width("a|bc").max, 1);  // the first alternative only
  EXPECT_EQ(width("(a|bc)").min, 1);
  EXPECT_EQ(width("(a|bc)").max, 2);
  EXPECT_EQ(width("a+").max, kUnbounded);
  EXPECT_EQ(width("a{2,3}b?").min, 2);
  EXPECT_EQ(width("a{2,3}b?").max, 4);
  EXPECT_EQ(width("^(?=x)$").max, 0);
}

// Hostile input: every prefix of tricky patterns parses without crashing or
// looping (the parser always advances).
TEST(RegexSyntax, AnyTruncationParses) {
  for (const std::string pattern :
       {"(?<n>a(?:b|[c-\\d[:alpha:]])+?\\Q..)", "(?(?=a)b|c)(*pla:x)\\x{41", "\\g<1>\\k'x"}) {
    for (std::size_t n = 0; n <= pattern.size(); ++n) parse_regex_syntax(pattern.substr(0, n));
  }
  std::string bytes;
  for (int c = 0; c < 256; ++c) bytes.push_back(static_cast<char>(c));
  EXPECT_FALSE(parse_regex_syntax(bytes).alternatives.empty());
}

}  // namespace
}  // namespace ivy
