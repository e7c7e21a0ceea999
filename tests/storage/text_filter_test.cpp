#include "storage/text_filter.hpp"

#include <gtest/gtest.h>

namespace ivy::storage {
namespace {

TEST(TextFilter, EmptyPatternMatchesEverything) {
  auto f = TextFilter::compile("");
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->matches(""));
  EXPECT_TRUE(f->matches("anything"));
}

TEST(TextFilter, SearchesUnanchored) {
  auto f = TextFilter::compile("POS [0-9]+");
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->matches("AC1 POS 42 x"));
  EXPECT_FALSE(f->matches("AC1 POS x"));
}

TEST(TextFilter, ReportsBadPatternWithOffset) {
  auto f = TextFilter::compile("a(b");
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().message.find("bad regexp 'a(b'"), std::string::npos);
}

}  // namespace
}  // namespace ivy::storage
