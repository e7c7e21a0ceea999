#include "config/regex_check.hpp"

#include <gtest/gtest.h>

namespace ivy::config {
namespace {

TEST(RegexCheck, AcceptsIvyStylePatterns) {
  EXPECT_TRUE(check_regex("^TELEMETRY (\\S+) (.*)"));
  EXPECT_TRUE(check_regex("(.*)"));
  EXPECT_TRUE(check_regex(""));
}

TEST(RegexCheck, ReportsThePcre2ErrorAndOffset) {
  auto status = check_regex("^(abc");
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message, "\"^(abc\": missing closing parenthesis at offset 5");
  EXPECT_FALSE(check_regex("a{2,1}"));
}

}  // namespace
}  // namespace ivy::config
