#include "config/address_check.hpp"

#include <gtest/gtest.h>

namespace ivy::config {
namespace {

TEST(AddressCheck, AcceptsTheBusSpecsOfTheIvyDocs) {
  for (const char* spec :
       {"127:2010", "127.255.255.255:2010", "192.168:2010", "10.192.33,10.192.34:2345", ":2001",
        "192.75,192.76", "224.255.255.255:2010", "143.196.53.255:2001", "ff02::1:2010", "127"}) {
    EXPECT_TRUE(check_bus_spec(spec)) << spec;
  }
}

TEST(AddressCheck, ReportsPortOutOfRange) {
  EXPECT_EQ(check_bus_spec("127.0.0:99999").error().message,
            "\"127.0.0:99999\": port out of range 1-65535");
  EXPECT_FALSE(check_bus_spec("127:0"));
  EXPECT_EQ(check_bus_spec("127:2010abc").error().message,
            "\"127:2010abc\": port \"2010abc\" is not a number");
}

TEST(AddressCheck, ReportsElementsIvyCWouldWrap) {
  EXPECT_EQ(check_bus_spec("10.300:2010").error().message,
            "\"10.300:2010\": element 300 out of range 0-255");
  EXPECT_FALSE(check_bus_spec("1.2.3.4.5:2010"));
  EXPECT_FALSE(check_bus_spec("10..1:2010"));
  EXPECT_FALSE(check_bus_spec("10.1,:2010"));
  EXPECT_FALSE(check_bus_spec("localhost:2010"));
  EXPECT_FALSE(check_bus_spec(""));
}

TEST(AddressCheck, Ipv6BusNeedsAPort) {
  EXPECT_TRUE(check_bus_spec("ff02::1:2335"));
  EXPECT_FALSE(check_bus_spec("ff02::"));
  EXPECT_FALSE(check_bus_spec("fe80::zz:2010"));
}

TEST(AddressCheck, HostPort) {
  for (const char* ok : {"localhost:2010", "10.0.0.7:7010", "[::1]:7010", "site-a.example.net:1"}) {
    EXPECT_TRUE(check_host_port(ok)) << ok;
  }
  EXPECT_EQ(check_host_port("::1:7010").error().message,
            "\"::1:7010\": an IPv6 address needs brackets, e.g. \"[::1]:7010\"");
  EXPECT_FALSE(check_host_port("host"));
  EXPECT_FALSE(check_host_port(":7010"));
  EXPECT_FALSE(check_host_port("host:70100"));
  EXPECT_FALSE(check_host_port("[zz]:7010"));
  EXPECT_FALSE(check_host_port("bad host:7010"));
}

TEST(AddressCheck, MetricsListenIsANumericIpv4AddressAndPort) {
  for (const char* text : {"127.0.0.1:9643", "0.0.0.0:9643", "10.1.2.3:65535", "127.0.0.1:0"}) {
    EXPECT_TRUE(check_ipv4_listen(text)) << text;
  }
  EXPECT_EQ(
      check_ipv4_listen("localhost:9643").error().message,
      "\"localhost:9643\": expected a numeric IPv4 address and a port, e.g. \"127.0.0.1:9643\"");
  EXPECT_EQ(
      check_ipv4_listen("999.1.1.1:80").error().message,
      "\"999.1.1.1:80\": expected a numeric IPv4 address and a port, e.g. \"127.0.0.1:9643\"");
  EXPECT_EQ(check_ipv4_listen("127.0.0.1:70000").error().message,
            "\"127.0.0.1:70000\": port out of range 1-65535");
  EXPECT_EQ(check_ipv4_listen("127.0.0.1:x").error().message,
            "\"127.0.0.1:x\": port \"x\" is not a number");
  for (const char* text : {"", "9643", "127.0.0.1", "127.0.0.1:", "[::1]:9643", "127.0.0:9643",
                           "1.2.3.4.5:80", "127.0.0.1:-1", "127.0.0.1:00"}) {
    EXPECT_FALSE(check_ipv4_listen(text)) << text;
  }
}

}  // namespace
}  // namespace ivy::config
