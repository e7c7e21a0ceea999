#include "core/literal_prefix.hpp"

#include <gtest/gtest.h>

namespace ivy {
namespace {

TEST(LiteralPrefix, TakesLiteralBytesAfterCaret) {
  EXPECT_EQ(anchored_literal_prefix("^AircraftDelete Flight=(\\d*)"), "AircraftDelete Flight=");
  EXPECT_EQ(anchored_literal_prefix("^Ping$"), "Ping");
}

TEST(LiteralPrefix, DropsTheCharacterAQuantifierMakesOptional) {
  EXPECT_EQ(anchored_literal_prefix("^abc?d"), "ab");
  EXPECT_EQ(anchored_literal_prefix("^ab*"), "a");
  EXPECT_EQ(anchored_literal_prefix("^a{2}"), "");
}

TEST(LiteralPrefix, IsEmptyWhenUnsure) {
  EXPECT_EQ(anchored_literal_prefix("Flight=(\\d+)"), "");     // unanchored
  EXPECT_EQ(anchored_literal_prefix("^a|b"), "");              // alternation
  EXPECT_EQ(anchored_literal_prefix("^(?i)abc"), "");          // options first
  EXPECT_EQ(anchored_literal_prefix("^\\Qa.b\\E"), "");        // escape first
  EXPECT_EQ(anchored_literal_prefix("^"), "");
}

}  // namespace
}  // namespace ivy
