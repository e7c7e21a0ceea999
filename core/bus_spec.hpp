#pragma once
// BusSpec: the Ivy bus address "[network[,network...]][:port]" (§1).
//
// Parsed exactly like ivy-c's IvyStart (§1.3):
//   - the LAST ':' introduces the port; a port that is missing, 0 or not a
//     number gives the default 2010 (atoi semantics: "2010abc" is 2010);
//   - if the text before that colon is an IPv6 literal, the bus is IPv6 (one
//     network, no list);
//   - otherwise a comma-separated list of IPv4 networks of 1-4 dotted decimal
//     elements, the missing trailing ones filled with 255 ("127" is
//     127.255.255.255), spaces ignored;
//   - an empty network part (":2001") means the default network.
// Where ivy-c silently wraps or misreads (an element over 255, a hostname, a
// fifth element) we skip that network and report a warning value instead.
//
// The spec string itself is chosen by resolve_bus_text(): an explicit value,
// else IVYBUS, else IVY_BUS (the underscore form Paparazzi's tools use), else
// the Linux default 127.255.255.255:2010. The caller reads the environment.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ivy {

inline constexpr std::uint16_t kDefaultBusPort = 2010;
inline constexpr std::string_view kDefaultBusNetwork = "127.255.255.255";
inline constexpr std::string_view kDefaultBus = "127.255.255.255:2010";
inline constexpr int kDefaultMulticastTtl = 64;  // ivy-c and ivy-python use 64

enum class NetworkKind {
  kBroadcast,      // IPv4, not class D (e.g. 127.255.255.255, 192.168.1.255)
  kMulticast,      // IPv4 224.0.0.0-239.255.255.255: join the group, TTL
  kUnicast,        // an IPv4 address that is clearly a host (last element not 255)
  kIpv6Multicast,  // ff00::/8: join the group
  kIpv6Unicast,
};

struct BusNetwork {
  std::string address;  // dotted quad or IPv6 literal, as used on the socket
  NetworkKind kind = NetworkKind::kBroadcast;
  friend bool operator==(const BusNetwork&, const BusNetwork&) = default;
};

struct BusSpec {
  std::vector<BusNetwork> networks;  // at least one when parse_bus_spec succeeds
  std::uint16_t port = kDefaultBusPort;
  bool ipv6 = false;
  int multicast_ttl = kDefaultMulticastTtl;
  // Problems that did not stop the parse: skipped networks, a unicast
  // network (it reaches only one agent per host on Linux, §1.5).
  std::vector<std::string> warnings;

  // "127.255.255.255:2010", "10.0.0.255,10.0.1.255:2345", "ff02::1:2010"
  std::string to_string() const;
};

// Parses a bus spec. nullopt (with the reasons in `errors`) when no usable
// network is left; warnings about skipped parts go into BusSpec::warnings.
std::optional<BusSpec> parse_bus_spec(std::string_view text, std::vector<std::string>* errors = nullptr);

// Which spec text to use, in ivy-c order plus IVY_BUS; empty values count as
// unset (ivy-c semantics).
std::string resolve_bus_text(std::string_view explicit_value, const char* ivybus_env,
                             const char* ivy_bus_env);

std::string_view network_kind_name(NetworkKind kind);

}  // namespace ivy
