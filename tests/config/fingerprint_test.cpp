#include "config/fingerprint.hpp"

#include <gtest/gtest.h>

namespace ivy::config {
namespace {

// `openssl x509 -noout -fingerprint -sha256` of a test certificate.
constexpr std::string_view kOpenssl =
    "sha256 "
    "Fingerprint=5E:0B:3C:92:81:3D:6E:0D:6A:1C:7D:6B:0E:37:54:9E:63:36:6F:41:02:9B:21:7E:33:57:DA:"
    "F4:2C:"
    "F2:71:9C";

TEST(Fingerprint, AcceptsOpensslOutputPlainHexAndEitherCase) {
  const auto from_openssl = parse_fingerprint(kOpenssl);
  ASSERT_TRUE(from_openssl) << from_openssl.error().message;
  EXPECT_EQ((*from_openssl)[0], 0x5E);
  EXPECT_EQ((*from_openssl)[31], 0x9C);
  const auto plain =
      parse_fingerprint("5e0b3c92813d6e0d6a1c7d6b0e37549e63366f41029b217e3357daf42cf2719c");
  ASSERT_TRUE(plain);
  EXPECT_EQ(*plain, *from_openssl);
  const auto prefixed =
      parse_fingerprint("SHA256:5E0B3C92813D6E0D6A1C7D6B0E37549E63366F41029B217E3357DAF42CF2719C");
  ASSERT_TRUE(prefixed);
  EXPECT_EQ(*prefixed, *from_openssl);
}

TEST(Fingerprint, PrintsAsOpensslDoes) {
  const auto parsed = parse_fingerprint(kOpenssl);
  ASSERT_TRUE(parsed);
  EXPECT_EQ("sha256 Fingerprint=" + to_string(*parsed), kOpenssl);
}

TEST(Fingerprint, RefusesWrongLengthsAndNonHex) {
  EXPECT_EQ(parse_fingerprint("").error().message,
            "\"\": 0 bytes, a SHA-256 fingerprint has 32 (64 hex digits)");
  EXPECT_EQ(
      parse_fingerprint(std::string(63, 'a')).error().message,
      "\"" + std::string(63, 'a') + "\": 31.5 bytes, a SHA-256 fingerprint has 32 (64 hex digits)");
  EXPECT_FALSE(
      parse_fingerprint(std::string(66, 'a')));  // a SHA-1 fingerprint is shorter; this is longer
  EXPECT_EQ(parse_fingerprint("ab cd").error().message,
            "\"ab cd\": not a hex SHA-256 fingerprint (unexpected ' ')");
  EXPECT_FALSE(parse_fingerprint("md5:" + std::string(64, 'a')));
}

}  // namespace
}  // namespace ivy::config
