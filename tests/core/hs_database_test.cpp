#include "core/hs_database.hpp"

#include <algorithm>
#include <vector>

#include <gtest/gtest.h>

namespace ivy {
namespace {

bool prefiltered(const HsBuildResult& r, PatternId id) {
  const auto& p = r.database->patterns();
  return std::any_of(p.begin(), p.end(),
                     [&](const HsPatternInfo& i) { return i.id == id && i.prefilter; });
}

TEST(HsDatabase, CompilesPlainPatternsExactly) {
  const HsBuildResult r = build_hs_database({{1, "^A=(\\d+)"}, {2, "(.*)"}, {3, "^a.b$"}});
  ASSERT_NE(r.database, nullptr);
  EXPECT_EQ(r.database->patterns().size(), 3u);
  EXPECT_TRUE(r.fallback.empty());
  EXPECT_FALSE(prefiltered(r, 1));
  EXPECT_GT(r.database->size_bytes(), 0u);
}

TEST(HsDatabase, PrefiltersBackReferencesAndLookarounds) {
  const HsBuildResult r =
      build_hs_database({{1, "^(\\w+) \\1"}, {2, "(?<=x)y"}, {3, "^a(?=b)"}, {4, "^\\d++x"}});
  ASSERT_NE(r.database, nullptr);
  for (PatternId id : {1, 2, 3, 4}) EXPECT_TRUE(prefiltered(r, id)) << id;
}

TEST(HsDatabase, LeavesUnsupportedSyntaxToPcre) {
  const HsBuildResult r = build_hs_database(
      {{1, "^K=\\K(\\w+)"}, {2, "^a$(0)?"}, {3, "(?|(a)|(b))"}, {4, std::string("a\0b", 3)},
       {5, "^ok"}});
  EXPECT_EQ(r.fallback, (std::vector<PatternId>{1, 2, 3, 4}));
  ASSERT_NE(r.database, nullptr);
  EXPECT_EQ(r.database->patterns().size(), 1u);
}

// The same placement, one pattern at a time (what `ivyctl lint` reports).
TEST(HsDatabase, ClassifiesOnePatternAsTheDatabaseWould) {
  EXPECT_EQ(classify_hs_pattern("^A=(\\d+)"), HsPatternClass::kExact);
  EXPECT_EQ(classify_hs_pattern("^(\\w+) \\1"), HsPatternClass::kPrefilter);
  EXPECT_EQ(classify_hs_pattern("^\\d++x"), HsPatternClass::kPrefilter);
  EXPECT_EQ(classify_hs_pattern("^K=\\K(\\w+)"), HsPatternClass::kFallback);
  EXPECT_EQ(classify_hs_pattern(std::string("a\0b", 3)), HsPatternClass::kFallback);
}

TEST(HsDatabase, EmptySetGivesNoDatabase) {
  EXPECT_EQ(build_hs_database({}).database, nullptr);
}

}  // namespace
}  // namespace ivy
