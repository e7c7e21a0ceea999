#include "config/broker_url.hpp"

#include <gtest/gtest.h>

namespace ivy::config {
namespace {

TEST(BrokerUrl, PlainAndTlsWithTheirDefaultPorts) {
  auto plain = parse_broker_url("mqtt://127.0.0.1");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, (BrokerUrl{false, "127.0.0.1", 1883}));
  auto tls = parse_broker_url("mqtts://broker.lab.example");
  ASSERT_TRUE(tls.ok());
  EXPECT_EQ(*tls, (BrokerUrl{true, "broker.lab.example", 8883}));
}

TEST(BrokerUrl, ExplicitPortIpv6SchemeCaseAndATrailingSlash) {
  EXPECT_EQ(*parse_broker_url("mqtt://broker:11883"), (BrokerUrl{false, "broker", 11883}));
  EXPECT_EQ(*parse_broker_url("mqtts://[::1]:8884"), (BrokerUrl{true, "::1", 8884}));
  EXPECT_EQ(*parse_broker_url("mqtts://[2001:db8::7]"), (BrokerUrl{true, "2001:db8::7", 8883}));
  EXPECT_EQ(*parse_broker_url("MQTT://Broker:1/"), (BrokerUrl{false, "Broker", 1}));
}

TEST(BrokerUrl, CanonicalFormParsesBack) {
  for (const char* url : {"mqtt://h", "mqtts://[::1]:9", "mqtt://10.0.0.1:1883"}) {
    auto parsed = parse_broker_url(url);
    ASSERT_TRUE(parsed.ok()) << url;
    auto again = parse_broker_url(parsed->to_string());
    ASSERT_TRUE(again.ok()) << parsed->to_string();
    EXPECT_EQ(*again, *parsed);
  }
  EXPECT_EQ(parse_broker_url("mqtts://[::1]:9")->to_string(), "mqtts://[::1]:9");
}

TEST(BrokerUrl, ErrorsQuoteTheUrlAndSayWhatIsWrong) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "\"\": empty broker URL (write e.g. \"mqtt://127.0.0.1:1883\")"},
      {"127.0.0.1:1883", "\"127.0.0.1:1883\": expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT]"},
      {"ws://broker", "\"ws://broker\": unsupported scheme \"ws\" (mqtt or mqtts)"},
      {"mqtt://broker:99999", "\"mqtt://broker:99999\": port out of range 1-65535"},
      {"mqtt://broker:x", "\"mqtt://broker:x\": port \"x\" is not a number"},
      {"mqtt://user:pw@broker", "\"mqtt://user:pw@broker\": no user or password in the URL: use \"username\" "
                                "and \"password_file\""},
      {"mqtt://broker/ivy", "\"mqtt://broker/ivy\": a broker URL has no path"},
      {"mqtt://", "\"mqtt://\": expected a host"},
      {"mqtt://[::1", "\"mqtt://[::1\": expected a host"},
      {"mqtt://::1:1883", "\"mqtt://::1:1883\": an IPv6 address needs brackets, e.g. \"[::1]:7010\""},
      {"mqtt://bad host", "\"mqtt://bad host\": bad host name"},
  };
  for (const auto& [url, message] : cases) {
    auto r = parse_broker_url(url);
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.error().message, message);
  }
}

}  // namespace
}  // namespace ivy::config
