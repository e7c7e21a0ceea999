#include "config/quantity.hpp"

#include <gtest/gtest.h>

namespace ivy::config {
namespace {

TEST(Quantity, ByteSizesUseBinaryUnits) {
  EXPECT_EQ(*parse_byte_size("512"), 512u);
  EXPECT_EQ(*parse_byte_size("10B"), 10u);
  EXPECT_EQ(*parse_byte_size("4KiB"), 4096u);
  EXPECT_EQ(*parse_byte_size("64MiB"), 64u << 20);
  EXPECT_EQ(*parse_byte_size("1 GiB"), 1u << 30);
  EXPECT_EQ(*parse_byte_size("2TiB"), 2ULL << 40);
}

TEST(Quantity, RefusesAmbiguousOrMalformedSizes) {
  EXPECT_EQ(parse_byte_size("64MB").error().message,
            "\"64MB\": unknown unit \"MB\" (use B, KiB, MiB, GiB or TiB)");
  EXPECT_FALSE(parse_byte_size("MiB"));
  EXPECT_FALSE(parse_byte_size("-1"));
  EXPECT_FALSE(parse_byte_size("1.5GiB"));
  EXPECT_FALSE(parse_byte_size("99999999999TiB"));
}

TEST(Quantity, DurationsNeedAUnit) {
  EXPECT_EQ(*parse_duration("250ms"), std::chrono::milliseconds(250));
  EXPECT_EQ(*parse_duration("10s"), std::chrono::seconds(10));
  EXPECT_EQ(*parse_duration("5m"), std::chrono::minutes(5));
  EXPECT_EQ(*parse_duration("2h"), std::chrono::hours(2));
  EXPECT_EQ(*parse_duration("30d"), std::chrono::hours(24 * 30));
  EXPECT_EQ(parse_duration("10").error().message, "\"10\": missing unit (use ms, s, m, h or d)");
  EXPECT_FALSE(parse_duration("1h30m"));
}

}  // namespace
}  // namespace ivy::config
