// libFuzzer target: a bus spec "[network[,network...]][:port]" -> parse_bus_spec (§1).
//
// Invariants checked (a failure aborts, and libFuzzer keeps the input):
//   - success has at least one network and a port of 1..65535; failure has
//     at least one error;
//   - an IPv4 network is a dotted quad (inet_pton) whose kind matches its
//     bytes (class D multicast; else last byte 255 broadcast, else unicast);
//   - an IPv6 bus has exactly one network, an IPv6 literal whose kind
//     matches its first byte (ff00::/8 multicast);
//   - to_string() parses back to the same networks and port.

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <arpa/inet.h>

#include "core/bus_spec.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using namespace ivy;

void check_network(const BusNetwork& net, bool ipv6) {
  if (ipv6) {
    std::array<unsigned char, 16> b{};
    FUZZ_CHECK(inet_pton(AF_INET6, net.address.c_str(), b.data()) == 1);
    FUZZ_CHECK(net.kind ==
               (b[0] == 0xff ? NetworkKind::kIpv6Multicast : NetworkKind::kIpv6Unicast));
    return;
  }
  std::array<unsigned char, 4> b{};
  FUZZ_CHECK(inet_pton(AF_INET, net.address.c_str(), b.data()) == 1);
  const NetworkKind kind = (b[0] >= 224 && b[0] <= 239) ? NetworkKind::kMulticast
                           : b[3] == 255                ? NetworkKind::kBroadcast
                                                        : NetworkKind::kUnicast;
  FUZZ_CHECK(net.kind == kind);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> errors;
  const auto spec = parse_bus_spec(text, &errors);
  if (!spec) {
    FUZZ_CHECK(!errors.empty());
    return 0;
  }
  FUZZ_CHECK(errors.empty());
  FUZZ_CHECK(!spec->networks.empty());
  FUZZ_CHECK(spec->port >= 1);
  if (spec->ipv6) FUZZ_CHECK(spec->networks.size() == 1);
  for (const auto& net : spec->networks) check_network(net, spec->ipv6);

  const std::string canonical = spec->to_string();
  const auto again = parse_bus_spec(canonical);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->networks == spec->networks);
  FUZZ_CHECK(again->port == spec->port);
  FUZZ_CHECK(again->ipv6 == spec->ipv6);
  FUZZ_CHECK(again->to_string() == canonical);
  return 0;
}
