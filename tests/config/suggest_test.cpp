#include "config/suggest.hpp"

#include <array>

#include <gtest/gtest.h>

namespace ivy::config {
namespace {

constexpr std::array<std::string_view, 4> kTopLevel{"buses", "recorder", "bridges", "logging"};

TEST(Suggest, EditDistanceCountsTranspositionAsOne) {
  EXPECT_EQ(edit_distance("recoder", "recorder"), 1u);
  EXPECT_EQ(edit_distance("bsues", "buses"), 1u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("Buses", "buses"), 0u);
}

TEST(Suggest, OffersTheNearestPlausibleKey) {
  EXPECT_EQ(suggest("recoder", kTopLevel), "recorder");
  EXPECT_EQ(suggest("bus", kTopLevel), "buses");
  EXPECT_EQ(suggest("bridge", kTopLevel), "bridges");
  EXPECT_EQ(suggest("LOGGING", kTopLevel), "logging");
}

TEST(Suggest, OffersNothingForUnrelatedWords) {
  EXPECT_FALSE(suggest("zzz", kTopLevel));
  EXPECT_FALSE(suggest("verbosity", kTopLevel));
}

}  // namespace
}  // namespace ivy::config
