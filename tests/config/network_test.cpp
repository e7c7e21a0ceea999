#include "config/network.hpp"

#include <arpa/inet.h>

#include <gtest/gtest.h>

namespace ivy::config {
namespace {

std::array<std::uint8_t, 16> v6(const char* text) {
  std::array<std::uint8_t, 16> bytes{};
  inet_pton(AF_INET6, text, bytes.data());
  return bytes;
}

TEST(Network, ParsesIpv4AndIpv6Cidr) {
  auto n = parse_network("10.0.0.0/8");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->family, Network::Family::kIpv4);
  EXPECT_EQ(n->prefix_length, 8);
  EXPECT_EQ(to_string(*n), "10.0.0.0/8");
  auto m = parse_network("fe80::/10");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->family, Network::Family::kIpv6);
  EXPECT_EQ(to_string(*m), "fe80::/10");
}

TEST(Network, BareAddressIsAHost) {
  EXPECT_EQ(parse_network("192.168.1.7")->prefix_length, 32);
  EXPECT_EQ(parse_network("::1")->prefix_length, 128);
}

TEST(Network, RefusesBadCidr) {
  EXPECT_EQ(parse_network("10.0.0.0/33").error().message,
            "\"10.0.0.0/33\": prefix length \"33\" out of range 0-32");
  EXPECT_EQ(parse_network("10.1.0.0/8").error().message,
            "\"10.1.0.0/8\": address has bits set beyond the /8 prefix");
  EXPECT_FALSE(parse_network("10.0.0.300/8"));
  EXPECT_FALSE(parse_network("10.0.0.0/"));
  EXPECT_FALSE(parse_network("10.0.0.0/x"));
  EXPECT_FALSE(parse_network("example.com/8"));
}

TEST(Network, ContainsMatchesPrefixAndMappedIpv4) {
  Network ten = *parse_network("10.0.0.0/8");
  const std::uint8_t inside[4] = {10, 9, 8, 7};
  const std::uint8_t outside[4] = {11, 0, 0, 1};
  EXPECT_TRUE(contains(ten, Network::Family::kIpv4, inside));
  EXPECT_FALSE(contains(ten, Network::Family::kIpv4, outside));
  EXPECT_TRUE(contains(ten, Network::Family::kIpv6, v6("::ffff:10.1.2.3").data()));
  EXPECT_FALSE(contains(ten, Network::Family::kIpv6, v6("2001:db8::1").data()));
  Network doc = *parse_network("2001:db8::/32");
  EXPECT_TRUE(contains(doc, Network::Family::kIpv6, v6("2001:db8::1").data()));
  EXPECT_TRUE(contains(*parse_network("0.0.0.0/0"), Network::Family::kIpv4, outside));
}

}  // namespace
}  // namespace ivy::config
