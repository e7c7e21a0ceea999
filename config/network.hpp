#pragma once
// Network: one CIDR block (IPv4 or IPv6), as written in `allowed_networks`.
//
//   auto n = parse_network("10.0.0.0/8");    // ok
//   auto m = parse_network("fe80::/10");     // ok, IPv6
//   auto b = parse_network("10.0.0.300/8");  // error: "bad IPv4 address"
//
// A bare address ("192.168.1.7", "::1") is a host network (/32 or /128).
// Host bits below the prefix must be zero ("10.1.0.0/8" is refused: it usually
// means the author meant a different prefix). Pure: no DNS, no sockets.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace ivy::config {

struct Network {
  enum class Family { kIpv4, kIpv6 };

  Family family = Family::kIpv4;
  // Network address in network byte order; IPv4 uses the first 4 bytes.
  std::array<std::uint8_t, 16> address{};
  int prefix_length = 0;

  bool operator==(const Network&) const = default;
};

// Parses "a.b.c.d/n", "x:y::z/n" or a bare address. The error message is
// suitable for a ConfigProblem ("prefix length 33 out of range 0-32").
Result<Network> parse_network(std::string_view text);

// "10.0.0.0/8", "fe80::/10": the canonical text (parse_network round-trips it).
std::string to_string(const Network& network);

// True if `address` (4 or 16 bytes, network order) lies inside. An IPv4-mapped
// IPv6 address (::ffff:a.b.c.d) matches IPv4 networks.
bool contains(const Network& network, Network::Family family, const std::uint8_t* address);

}  // namespace ivy::config
