#include "core/bus_spec.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace ivy {
namespace {

std::vector<std::string> addresses(const BusSpec& spec) {
  std::vector<std::string> out;
  for (const auto& n : spec.networks) out.push_back(n.address);
  return out;
}

bool has_warning_containing(const BusSpec& spec, const std::string& text) {
  for (const auto& w : spec.warnings) {
    if (w.find(text) != std::string::npos) return true;
  }
  return false;
}

BusSpec parse_ok(std::string_view text) {
  std::vector<std::string> errors;
  auto spec = parse_bus_spec(text, &errors);
  EXPECT_TRUE(spec) << "'" << text << "': " << (errors.empty() ? "" : errors.front());
  EXPECT_TRUE(errors.empty());
  return spec ? *spec : BusSpec{};
}

TEST(BusSpec, PadsOneElementWith255) {
  const auto spec = parse_ok("127:2010");
  EXPECT_EQ(addresses(spec), std::vector<std::string>{"127.255.255.255"});
  EXPECT_EQ(spec.networks[0].kind, NetworkKind::kBroadcast);
  EXPECT_EQ(spec.port, 2010);
  EXPECT_FALSE(spec.ipv6);
  EXPECT_TRUE(spec.warnings.empty());
}

TEST(BusSpec, PadsTwoAndThreeElementsWith255) {
  EXPECT_EQ(addresses(parse_ok("192.168:2010")), std::vector<std::string>{"192.168.255.255"});
  EXPECT_EQ(addresses(parse_ok("10.0.0:2010")), std::vector<std::string>{"10.0.0.255"});
  EXPECT_EQ(addresses(parse_ok("143.196.53.255:2001")), std::vector<std::string>{"143.196.53.255"});
}

TEST(BusSpec, UsesTheDefaultNetworkForPortOnly) {
  const auto spec = parse_ok(":2001");
  EXPECT_EQ(addresses(spec), std::vector<std::string>{"127.255.255.255"});
  EXPECT_EQ(spec.port, 2001);
}

TEST(BusSpec, UsesTheDefaultsForAnEmptySpec) {
  const auto spec = parse_ok("");
  EXPECT_EQ(spec.to_string(), "127.255.255.255:2010");
}

TEST(BusSpec, ParsesAListOfNetworks) {
  const auto spec = parse_ok("10.192.33,10.192.34:2345");
  EXPECT_EQ(addresses(spec), (std::vector<std::string>{"10.192.33.255", "10.192.34.255"}));
  EXPECT_EQ(spec.port, 2345);
  EXPECT_EQ(spec.to_string(), "10.192.33.255,10.192.34.255:2345");
}

TEST(BusSpec, ParsesTheTwoAnnouncementCapture) {  // §1.3 item 5 [V]
  const auto spec = parse_ok("127.0.0.1,127.255.255.255:2319");
  EXPECT_EQ(addresses(spec), (std::vector<std::string>{"127.0.0.1", "127.255.255.255"}));
  EXPECT_EQ(spec.networks[0].kind, NetworkKind::kUnicast);
  EXPECT_EQ(spec.networks[1].kind, NetworkKind::kBroadcast);
}

TEST(BusSpec, UsesTheDefaultPortWhenMissing) {
  const auto spec = parse_ok("192.75,192.76");
  EXPECT_EQ(addresses(spec), (std::vector<std::string>{"192.75.255.255", "192.76.255.255"}));
  EXPECT_EQ(spec.port, kDefaultBusPort);
  EXPECT_TRUE(spec.warnings.empty());
}

TEST(BusSpec, UsesTheDefaultPortForZeroOrText) {
  for (const char* text : {"127:0", "127:abc", "127:"}) {
    const auto spec = parse_ok(text);
    EXPECT_EQ(spec.port, kDefaultBusPort) << text;
    EXPECT_TRUE(has_warning_containing(spec, "no usable port")) << text;
    EXPECT_EQ(addresses(spec), std::vector<std::string>{"127.255.255.255"}) << text;
  }
}

TEST(BusSpec, ReadsThePortLikeAtoi) {
  EXPECT_EQ(parse_ok("127:2010abc").port, 2010);
  EXPECT_EQ(parse_ok("127: 2345").port, 2345);
  EXPECT_EQ(parse_ok("127:65535").port, 65535);
}

TEST(BusSpec, RefusesAPortOver65535) {
  for (const char* text : {"127:65536", "127:99999999999999999999", ":70000"}) {
    std::vector<std::string> errors;
    EXPECT_FALSE(parse_bus_spec(text, &errors)) << text;
    ASSERT_FALSE(errors.empty());
    EXPECT_NE(errors.front().find("port"), std::string::npos) << errors.front();
  }
  EXPECT_FALSE(parse_bus_spec("127:65536"));  // errors are optional
}

TEST(BusSpec, UsesTheLastColonForThePort) {
  // The last ':' is the port even when the text before it is not IPv6.
  std::vector<std::string> errors;
  EXPECT_FALSE(parse_bus_spec("127:2010:2020", &errors));
  EXPECT_FALSE(errors.empty());
}

TEST(BusSpec, IgnoresSpaces) {
  const auto spec = parse_ok(" 10 . 0 , 192.168 . 1 :2010");
  EXPECT_EQ(addresses(spec), (std::vector<std::string>{"10.0.255.255", "192.168.1.255"}));
}

TEST(BusSpec, SkipsBadNetworksWithAWarningAndKeepsTheOthers) {
  const auto spec = parse_ok("localhost,127,300.1,1.2.3.4.5,10.0.0:2010");
  EXPECT_EQ(addresses(spec), (std::vector<std::string>{"127.255.255.255", "10.0.0.255"}));
  EXPECT_TRUE(has_warning_containing(spec, "'localhost' skipped"))
      << ::testing::PrintToString(spec.warnings);
  EXPECT_TRUE(has_warning_containing(spec, "hostnames are not accepted"));
  EXPECT_TRUE(has_warning_containing(spec, "'300.1' skipped: element out of range"));
  EXPECT_TRUE(has_warning_containing(spec, "'1.2.3.4.5' skipped: more than 4 elements"));
  EXPECT_EQ(spec.warnings.size(), 3u);
}

TEST(BusSpec, SkipsEmptyAndDanglingElements) {
  const auto spec = parse_ok("1..2,3.,,127:2010");
  EXPECT_EQ(addresses(spec), std::vector<std::string>{"127.255.255.255"});
  EXPECT_EQ(spec.warnings.size(), 3u);
}

TEST(BusSpec, FailsWhenEveryNetworkIsBad) {
  std::vector<std::string> errors;
  EXPECT_FALSE(parse_bus_spec("localhost,300:2010", &errors));
  ASSERT_EQ(errors.size(), 3u);  // the summary, then each skipped network
  EXPECT_NE(errors[0].find("no usable network"), std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find("localhost"), std::string::npos);
  EXPECT_NE(errors[2].find("300"), std::string::npos);
}

TEST(BusSpec, ParsesAnIpv6MulticastBus) {  // §1.3 item 2
  const auto spec = parse_ok("ff02::1:2010");
  EXPECT_TRUE(spec.ipv6);
  ASSERT_EQ(spec.networks.size(), 1u);
  EXPECT_EQ(spec.networks[0].address, "ff02::1");
  EXPECT_EQ(spec.networks[0].kind, NetworkKind::kIpv6Multicast);
  EXPECT_EQ(spec.port, 2010);
  EXPECT_TRUE(spec.warnings.empty());
  EXPECT_EQ(spec.to_string(), "ff02::1:2010");
  EXPECT_EQ(parse_ok("FF02::1:2335").networks[0].kind, NetworkKind::kIpv6Multicast);
}

TEST(BusSpec, TellsIpv6MulticastFromTheAddressNotItsText) {
  // Regression: any literal whose text began with "ff" was multicast, but
  // "ff::1" is 00ff::1 and "ff0::1" is 0ff0::1, both unicast.
  for (const char* text : {"ff::1:2010", "ff0::1:2010", "FF:1::2:2010"}) {
    const auto spec = parse_ok(text);
    ASSERT_EQ(spec.networks.size(), 1u) << text;
    EXPECT_EQ(spec.networks[0].kind, NetworkKind::kIpv6Unicast) << text;
  }
  for (const char* text : {"ff02::1:2010", "ff0e::1:2010", "ff15::abcd:2010"}) {
    EXPECT_EQ(parse_ok(text).networks[0].kind, NetworkKind::kIpv6Multicast) << text;
  }
}

TEST(BusSpec, ParsesAnIpv6UnicastLiteralWithAWarning) {
  const auto spec = parse_ok("fe80::1:2345");
  EXPECT_TRUE(spec.ipv6);
  ASSERT_EQ(spec.networks.size(), 1u);
  EXPECT_EQ(spec.networks[0].address, "fe80::1");
  EXPECT_EQ(spec.networks[0].kind, NetworkKind::kIpv6Unicast);
  EXPECT_EQ(spec.port, 2345);
  EXPECT_TRUE(has_warning_containing(spec, "IPv6 unicast"));
  EXPECT_EQ(parse_ok("::1:2010").networks[0].address, "::1");
}

TEST(BusSpec, ClassifiesIpv4Multicast) {
  for (const char* text : {"224.1.2.3:2010", "224.255.255.255:2010", "239.255.0.1:2010"}) {
    const auto spec = parse_ok(text);
    ASSERT_EQ(spec.networks.size(), 1u);
    EXPECT_EQ(spec.networks[0].kind, NetworkKind::kMulticast) << text;
    EXPECT_TRUE(spec.warnings.empty()) << text;
    EXPECT_EQ(spec.multicast_ttl, 64);
  }
  EXPECT_EQ(parse_ok("223.1.2.255").networks[0].kind, NetworkKind::kBroadcast);
  EXPECT_EQ(parse_ok("240.255").networks[0].kind, NetworkKind::kBroadcast);
}

TEST(BusSpec, WarnsAboutAUnicastNetwork) {  // §1.5, §1.6
  const auto spec = parse_ok("127.0.0.1:2000");
  ASSERT_EQ(spec.networks.size(), 1u);
  EXPECT_EQ(spec.networks[0].kind, NetworkKind::kUnicast);
  EXPECT_TRUE(has_warning_containing(spec, "127.0.0.1 is a unicast address"));
}

TEST(BusSpec, FormatsItselfBack) {
  EXPECT_EQ(parse_ok("127:2010").to_string(), "127.255.255.255:2010");
  EXPECT_EQ(parse_ok("192.168 , 10:2345").to_string(), "192.168.255.255,10.255.255.255:2345");
  for (const char* text : {"127.255.255.255:2010", "10.0.0.255,224.1.2.3:7", "ff02::1:2010"}) {
    EXPECT_EQ(parse_ok(text).to_string(), text);
    EXPECT_EQ(parse_ok(parse_ok(text).to_string()).to_string(), text);
  }
}

TEST(BusSpec, NamesEachNetworkKind) {
  EXPECT_EQ(network_kind_name(NetworkKind::kBroadcast), "broadcast");
  EXPECT_EQ(network_kind_name(NetworkKind::kMulticast), "multicast");
  EXPECT_EQ(network_kind_name(NetworkKind::kUnicast), "unicast");
  EXPECT_EQ(network_kind_name(NetworkKind::kIpv6Multicast), "IPv6 multicast");
  EXPECT_EQ(network_kind_name(NetworkKind::kIpv6Unicast), "IPv6 unicast");
}

TEST(BusSpec, ResolvesTheSpecTextInOrder) {
  EXPECT_EQ(resolve_bus_text("10:1", "20:2", "30:3"), "10:1");
  EXPECT_EQ(resolve_bus_text("", "20:2", "30:3"), "20:2");
  EXPECT_EQ(resolve_bus_text("", nullptr, "30:3"), "30:3");
  EXPECT_EQ(resolve_bus_text("", "", "30:3"), "30:3");  // empty IVYBUS counts as unset
  EXPECT_EQ(resolve_bus_text("", "", ""), "127.255.255.255:2010");
  EXPECT_EQ(resolve_bus_text("", nullptr, nullptr), kDefaultBus);
}

}  // namespace
}  // namespace ivy
