#include "core/pattern_set.hpp"

#include <gtest/gtest.h>

namespace ivy {
namespace {

TEST(PatternSet, MatchesAnyHeldPattern) {
  PatternSet s;
  EXPECT_FALSE(s.matches("anything"));
  EXPECT_TRUE(s.add("^HELLO (.*)"));
  EXPECT_TRUE(s.add("mid(dle)"));
  EXPECT_TRUE(s.matches("HELLO world"));
  EXPECT_TRUE(s.matches("in the middle"));
  EXPECT_FALSE(s.matches("nothing"));
}

TEST(PatternSet, CountsHoldersOfTheSameText) {
  PatternSet s;
  EXPECT_TRUE(s.add("^A"));
  EXPECT_FALSE(s.add("^A"));
  EXPECT_FALSE(s.remove("^A"));
  EXPECT_TRUE(s.matches("A"));
  EXPECT_TRUE(s.remove("^A"));
  EXPECT_FALSE(s.matches("A"));
  EXPECT_FALSE(s.remove("^A"));
}

TEST(PatternSet, RefusesPatternThatDoesNotCompile) {
  PatternSet s;
  EXPECT_FALSE(s.add("("));
  EXPECT_TRUE(s.empty());
  EXPECT_FALSE(s.remove("("));
}

TEST(PatternSet, ClearForgetsEverything) {
  PatternSet s;
  s.add("^A");
  s.add("^B");
  EXPECT_EQ(s.patterns(), (std::vector<std::string>{"^A", "^B"}));
  s.clear();
  EXPECT_FALSE(s.matches("A"));
  EXPECT_TRUE(s.add("^A"));
}

}  // namespace
}  // namespace ivy
