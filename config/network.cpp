#include "config/network.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace ivy::config {

namespace {

int address_bits(Network::Family family) { return family == Network::Family::kIpv4 ? 32 : 128; }

bool host_bits_are_zero(const Network& network) {
  const int bits = address_bits(network.family);
  for (int bit = network.prefix_length; bit < bits; ++bit) {
    if (network.address[bit / 8] & (0x80 >> (bit % 8))) return false;
  }
  return true;
}

Result<int> parse_prefix(std::string_view text, int max) {
  int prefix = -1;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), prefix);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || prefix < 0 ||
      prefix > max) {
    return fail("prefix length \"" + std::string(text) + "\" out of range 0-" +
                std::to_string(max));
  }
  return prefix;
}

}  // namespace

Result<Network> parse_network(std::string_view text) {
  const std::size_t slash = text.find('/');
  const std::string address(text.substr(0, slash));
  Network network;
  if (inet_pton(AF_INET, address.c_str(), network.address.data()) == 1) {
    network.family = Network::Family::kIpv4;
  } else if (inet_pton(AF_INET6, address.c_str(), network.address.data()) == 1) {
    network.family = Network::Family::kIpv6;
  } else {
    return fail("\"" + std::string(text) +
                "\": not an IPv4 or IPv6 address (CIDR: \"10.0.0.0/8\")");
  }
  network.prefix_length = address_bits(network.family);
  if (slash != std::string_view::npos) {
    auto prefix = parse_prefix(text.substr(slash + 1), address_bits(network.family));
    if (!prefix) return fail("\"" + std::string(text) + "\": " + prefix.error().message);
    network.prefix_length = *prefix;
  }
  if (!host_bits_are_zero(network)) {
    return fail("\"" + std::string(text) + "\": address has bits set beyond the /" +
                std::to_string(network.prefix_length) + " prefix");
  }
  return network;
}

std::string to_string(const Network& network) {
  char buffer[INET6_ADDRSTRLEN] = {};
  const int af = network.family == Network::Family::kIpv4 ? AF_INET : AF_INET6;
  inet_ntop(af, network.address.data(), buffer, sizeof buffer);
  return std::string(buffer) + "/" + std::to_string(network.prefix_length);
}

bool contains(const Network& network, Network::Family family, const std::uint8_t* address) {
  // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d.
  static constexpr std::uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (network.family == Network::Family::kIpv4 && family == Network::Family::kIpv6 &&
      std::equal(kMappedPrefix, kMappedPrefix + 12, address)) {
    return contains(network, Network::Family::kIpv4, address + 12);
  }
  if (family != network.family) return false;
  for (int bit = 0; bit < network.prefix_length; ++bit) {
    const std::uint8_t mask = 0x80 >> (bit % 8);
    if ((network.address[bit / 8] & mask) != (address[bit / 8] & mask)) return false;
  }
  return true;
}

}  // namespace ivy::config
