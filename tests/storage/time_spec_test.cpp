#include "storage/time_spec.hpp"

#include <gtest/gtest.h>

namespace ivy::storage {
namespace {

constexpr std::int64_t kS = 1'000'000'000;
constexpr std::int64_t kNow = 1'795'602'645'500'000'000;  // 2026-11-25T10:30:45.5Z
constexpr std::int64_t kMidnight = 1'795'564'800LL * kS;  // 2026-11-25T00:00:00Z

std::int64_t parse(std::string_view text, std::int32_t offset_s = 0) {
  auto r = parse_time_spec(text, TimeContext{kNow, offset_s});
  EXPECT_TRUE(r) << text << ": " << (r ? "" : r.error().message);
  return r ? *r : -1;
}

std::string error_of(std::string_view text) {
  auto r = parse_time_spec(text, TimeContext{kNow, 0});
  EXPECT_FALSE(r) << text;
  return r ? "" : r.error().message;
}

TEST(TimeSpec, ParsesNowTodayYesterday) {
  EXPECT_EQ(parse("now"), kNow);
  EXPECT_EQ(parse("today"), kMidnight);
  EXPECT_EQ(parse("yesterday"), kMidnight - 86400 * kS);
}

TEST(TimeSpec, TodayUsesTheGivenZone) {
  // 10:30Z is 12:30 at +02:00: local midnight is 22:00Z the day before.
  EXPECT_EQ(parse("today", 7200), kMidnight - 7200 * kS);
  // At -11:00 it is still 2026-11-24 23:30 local.
  EXPECT_EQ(parse("today", -11 * 3600), kMidnight - 13 * 3600 * kS);
}

TEST(TimeSpec, ParsesRelativeTimes) {
  EXPECT_EQ(parse("-30s"), kNow - 30 * kS);
  EXPECT_EQ(parse("-10m"), kNow - 600 * kS);
  EXPECT_EQ(parse("-2h"), kNow - 7200 * kS);
  EXPECT_EQ(parse("-1d"), kNow - 86400 * kS);
  EXPECT_EQ(parse("-1w"), kNow - 7 * 86400 * kS);
  EXPECT_EQ(parse("-250ms"), kNow - 250'000'000);
  EXPECT_EQ(parse("+5m"), kNow + 300 * kS);
}

TEST(TimeSpec, ParsesIsoDatesAndTimes) {
  EXPECT_EQ(parse("2026-11-25"), kMidnight);
  EXPECT_EQ(parse("2026-11-25T10:00:00Z"), kMidnight + 36000 * kS);
  EXPECT_EQ(parse("2026-11-25T10:00Z"), kMidnight + 36000 * kS);
  EXPECT_EQ(parse("2026-11-25 10:00:00"), kMidnight + 36000 * kS);
  EXPECT_EQ(parse("2026-11-25T10:00:00.25Z"), kMidnight + 36000 * kS + 250'000'000);
  EXPECT_EQ(parse("2026-11-25T12:00:00+02:00"), kMidnight + 36000 * kS);
  EXPECT_EQ(parse("2026-11-25T05:30:00-0430"), kMidnight + 36000 * kS);
  EXPECT_EQ(parse("2026-11-25T12:00:00+02"), kMidnight + 36000 * kS);
  EXPECT_EQ(parse("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse("2024-02-29"), 1'709'164'800LL * kS);
}

TEST(TimeSpec, TimesWithoutZoneUseTheGivenZone) {
  EXPECT_EQ(parse("2026-11-25T12:00:00", 7200), kMidnight + 36000 * kS);
  EXPECT_EQ(parse("2026-11-25T12:00:00Z", 7200), kMidnight + 43200 * kS);
}

TEST(TimeSpec, ParsesUnixSeconds) {
  EXPECT_EQ(parse("@1795564800"), kMidnight);
  EXPECT_EQ(parse("@1795564800.5"), kMidnight + 500'000'000);
}

TEST(TimeSpec, RejectsMalformedInputWithAClearMessage) {
  EXPECT_NE(error_of("").find("empty"), std::string::npos);
  EXPECT_NE(error_of("-10").find("unit"), std::string::npos);
  EXPECT_NE(error_of("-10y").find("unit"), std::string::npos);
  EXPECT_NE(error_of("-m").find("number"), std::string::npos);
  EXPECT_NE(error_of("2026-13-01").find("no such date"), std::string::npos);
  EXPECT_NE(error_of("2026-02-29").find("no such date"), std::string::npos);
  EXPECT_NE(error_of("2026-11-25T25:00").find("HH:MM"), std::string::npos);
  EXPECT_NE(error_of("2026-11-25T10:00+2").find("Z or"), std::string::npos);
  EXPECT_NE(error_of("2026-11-25junk").find("Z or"), std::string::npos);
  EXPECT_NE(error_of("2026-1-5").find("YYYY-MM-DD"), std::string::npos);
  EXPECT_NE(error_of("tomorrow").find("expected now"), std::string::npos);
  EXPECT_NE(error_of("@").find("@<seconds>"), std::string::npos);
  EXPECT_NE(error_of("-99999999999999999999d").find("number"), std::string::npos);
}

// Found by time_spec_fuzz: n * unit overflowed int64 (UB) for large
// amounts of the larger units; they are now "out of range".
TEST(TimeSpec, RejectsRelativeTimesPastTheInt64Range) {
  EXPECT_NE(error_of("+100000000d").find("out of range"), std::string::npos);
  EXPECT_NE(error_of("-100000000w").find("out of range"), std::string::npos);
  EXPECT_NE(error_of("+3000000h").find("out of range"), std::string::npos);
  // Up to the limit of the int64 range still parses.
  EXPECT_EQ(parse("-100000000s"), kNow - 100'000'000 * kS);
  EXPECT_EQ(parse("-10000w"), kNow - 10000 * 7 * 86400LL * kS);
  EXPECT_EQ(parse("+80000d"), kNow + 80000 * 86400LL * kS);
  // n * unit alone is past int64 here, but now - n * unit is not.
  EXPECT_EQ(parse("-16499w"), -8'182'992'554'500'000'000);
}

// Found by time_spec_fuzz: days * 86400e9 overflowed int64 (UB) for a date
// outside what ns since 1970 can hold.
TEST(TimeSpec, RejectsDatesPastTheInt64Range) {
  EXPECT_NE(error_of("2924-02-29T00:00+02").find("out of range"), std::string::npos);
  EXPECT_NE(error_of("0000-01-01").find("out of range"), std::string::npos);
  EXPECT_NE(error_of("9999-12-31T23:59:59Z").find("out of range"), std::string::npos);
  EXPECT_NE(error_of("1677-09-21T00:00:00Z").find("out of range"), std::string::npos);
  // The edges that fit still parse.
  EXPECT_EQ(parse("2262-04-11T23:47:16Z"), 9'223'372'036LL * kS);
  EXPECT_EQ(parse("1677-09-21T00:12:44Z"), -9'223'372'036LL * kS);
}

TEST(TimeSpec, ConvertsCivilDatesToDays) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
}

}  // namespace
}  // namespace ivy::storage
