// The one-line rate picture of `ivyctl info` (daemon/ivyctl/sparkline.cpp).
#include "daemon/ivyctl/sparkline.hpp"

#include <gtest/gtest.h>

namespace ivy::ctl {
namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kS = 1000 * kMs;

TEST(Sparkline, EighthsOfTheBusiestBucketAndHolesForSilence) {
  EXPECT_EQ(sparkline({0, 1, 2, 4, 8, 0}, Charset::kUtf8), " \u2581\u2582\u2584\u2588 ");
  EXPECT_EQ(sparkline({0, 1, 2, 4, 8, 0}, Charset::kAscii), " _.:# ");
  EXPECT_EQ(sparkline({1, 1000}, Charset::kAscii), "_#") << "any traffic shows";
  EXPECT_EQ(sparkline({0, 0}, Charset::kAscii), "  ");
  EXPECT_EQ(sparkline({}, Charset::kUtf8), "");
}

TEST(Sparkline, CharsetFromTheLocaleVariables) {
  EXPECT_EQ(charset_from_locale("", "", "en_US.UTF-8"), Charset::kUtf8);
  EXPECT_EQ(charset_from_locale("", "C.utf8", "en_US.ISO-8859-1"), Charset::kUtf8);
  EXPECT_EQ(charset_from_locale("C", "", "en_US.UTF-8"), Charset::kAscii) << "LC_ALL wins";
  EXPECT_EQ(charset_from_locale("", "", ""), Charset::kAscii);
  EXPECT_EQ(charset_from_locale("", "", "POSIX"), Charset::kAscii);
}

TEST(Sparkline, NiceBucketWidths) {
  EXPECT_EQ(nice_bucket_ns(0, 60 * kS, 60), kS);
  EXPECT_EQ(nice_bucket_ns(0, 60 * kS - 1, 60), kS);
  EXPECT_EQ(nice_bucket_ns(500 * kMs, 60 * kS, 60), 2 * kS) << "61 aligned 1 s buckets do not fit";
  EXPECT_EQ(nice_bucket_ns(0, 3600 * kS, 60), 60 * kS);
  EXPECT_EQ(nice_bucket_ns(0, 86400 * kS, 100), 900 * kS);
  EXPECT_EQ(nice_bucket_ns(0, 30 * 86400 * kS, 10), 3 * 86400 * kS);
  EXPECT_EQ(nice_bucket_ns(0, 10 * kMs, 60), kMs);
}

}  // namespace
}  // namespace ivy::ctl
