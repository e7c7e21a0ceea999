#pragma once
// The address of an MQTT broker (bridge key `broker`, type "mqtt"):
//
//   mqtt://HOST[:PORT]    plain TCP, port 1883 by default
//   mqtts://HOST[:PORT]   TLS, port 8883 by default
//
// HOST is a DNS name, a dotted IPv4 address or a bracketed IPv6 literal
// ("mqtt://[::1]:1883"). The scheme is case-insensitive; one trailing '/' is
// allowed. User names and passwords do not go in the URL (they would end up
// in logs and in `ivyctl status`): use the keys `username` and
// `password_file`. Pure string parsing: no DNS.
//
//   parse_broker_url("mqtts://broker.lab:8884")  // {tls, "broker.lab", 8884}
//   parse_broker_url("ws://broker")              // error "\"ws://broker\": ..."
//
// Errors start with the quoted URL, ready for a ConfigProblem.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace ivy::config {

struct BrokerUrl {
  bool tls = false;
  std::string host;  // without brackets
  std::uint16_t port = 0;

  // "mqtt://host:port", brackets around an IPv6 host.
  std::string to_string() const;
  bool operator==(const BrokerUrl&) const = default;
};

Result<BrokerUrl> parse_broker_url(std::string_view url);

}  // namespace ivy::config
