#include "core/bus_spec.hpp"

#include <array>
#include <cctype>

#include <arpa/inet.h>  // inet_pton: pure text conversion, no I/O

namespace ivy {
namespace {

// atoi-like: leading digits of `s` (after blanks), 0 when none.
long leading_number(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  long value = 0;
  for (; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) {
    value = value * 10 + (s[i] - '0');
    if (value > 1'000'000) break;  // far out of range already
  }
  return value;
}

// The 16 bytes of an IPv6 literal, or nullopt when `text` is not one.
std::optional<std::array<unsigned char, 16>> parse_ipv6_literal(const std::string& text) {
  std::array<unsigned char, 16> buf{};
  if (inet_pton(AF_INET6, text.c_str(), buf.data()) != 1) return std::nullopt;
  return buf;
}

// One IPv4 network of the list ("192.168", " 10 . 0 . 0 "): elements padded
// with 255. Returns the dotted quad or an error text.
std::optional<std::string> parse_ipv4_network(std::string_view text, std::string& error) {
  std::array<int, 4> elements{255, 255, 255, 255};
  int index = 0;
  bool have_digit = false;
  int value = 0;
  for (char c : text) {
    if (c == ' ' || c == '\t') continue;
    if (std::isdigit(static_cast<unsigned char>(c))) {
      value = value * 10 + (c - '0');
      if (value > 255) {
        error = "element out of range (0-255)";
        return std::nullopt;
      }
      have_digit = true;
    } else if (c == '.') {
      if (!have_digit) {
        error = "empty element";
        return std::nullopt;
      }
      if (index == 3) {
        error = "more than 4 elements";
        return std::nullopt;
      }
      elements[index++] = value;
      value = 0;
      have_digit = false;
    } else {
      error = std::string("unexpected character '") + c + "' (hostnames are not accepted)";
      return std::nullopt;
    }
  }
  if (have_digit) {
    elements[index] = value;
  } else if (index > 0) {
    error = "trailing '.'";
    return std::nullopt;
  } else {
    error = "empty network";
    return std::nullopt;
  }
  return std::to_string(elements[0]) + "." + std::to_string(elements[1]) + "." +
         std::to_string(elements[2]) + "." + std::to_string(elements[3]);
}

NetworkKind ipv4_kind(const std::string& address) {
  const long first = leading_number(address);
  if (first >= 224 && first <= 239) return NetworkKind::kMulticast;
  const auto last_dot = address.rfind('.');
  if (address.substr(last_dot + 1) != "255") return NetworkKind::kUnicast;
  return NetworkKind::kBroadcast;
}

}  // namespace

std::string_view network_kind_name(NetworkKind kind) {
  switch (kind) {
    case NetworkKind::kBroadcast: return "broadcast";
    case NetworkKind::kMulticast: return "multicast";
    case NetworkKind::kUnicast: return "unicast";
    case NetworkKind::kIpv6Multicast: return "IPv6 multicast";
    case NetworkKind::kIpv6Unicast: return "IPv6 unicast";
  }
  return "?";
}

std::string BusSpec::to_string() const {
  std::string text;
  for (const auto& net : networks) {
    if (!text.empty()) text += ',';
    text += net.address;
  }
  return text + ":" + std::to_string(port);
}

std::optional<BusSpec> parse_bus_spec(std::string_view text, std::vector<std::string>* errors) {
  BusSpec spec;
  std::string_view networks = text;
  const auto colon = text.rfind(':');
  if (colon != std::string_view::npos) {
    const long port = leading_number(text.substr(colon + 1));
    if (port > 65535) {
      if (errors) errors->push_back("port out of range (1-65535): " + std::string(text.substr(colon + 1)));
      return std::nullopt;
    }
    if (port > 0) {
      spec.port = static_cast<std::uint16_t>(port);
    } else {
      spec.warnings.push_back("no usable port after ':', using " + std::to_string(kDefaultBusPort));
    }
    networks = text.substr(0, colon);
  }

  const std::string before_colon(networks);
  if (const auto ipv6 = parse_ipv6_literal(before_colon)) {
    spec.ipv6 = true;
    // ff00::/8, tested on the address bytes (IN6_IS_ADDR_MULTICAST): the text
    // "ff::1" starts with "ff" but is 00ff::1, a unicast address.
    const bool multicast = (*ipv6)[0] == 0xff;
    spec.networks.push_back({before_colon, multicast ? NetworkKind::kIpv6Multicast : NetworkKind::kIpv6Unicast});
    if (!multicast) spec.warnings.push_back("IPv6 unicast bus address " + before_colon + " reaches a single agent");
    return spec;
  }

  // No network part (":2001" or ""): the default network.
  if (networks.find_first_not_of(" \t") == std::string_view::npos) networks = kDefaultBusNetwork;

  std::size_t start = 0;
  while (start <= networks.size()) {
    auto comma = networks.find(',', start);
    if (comma == std::string_view::npos) comma = networks.size();
    const auto part = networks.substr(start, comma - start);
    std::string error;
    if (auto address = parse_ipv4_network(part, error)) {
      const NetworkKind kind = ipv4_kind(*address);
      if (kind == NetworkKind::kUnicast) {
        spec.warnings.push_back("bus network " + *address +
                                " is a unicast address: on Linux only one agent per host receives its "
                                "announcements; use a broadcast address such as 127.255.255.255");
      }
      spec.networks.push_back({*address, kind});
    } else {
      spec.warnings.push_back("bad bus network '" + std::string(part) + "' skipped: " + error);
    }
    start = comma + 1;
  }
  if (spec.networks.empty()) {
    if (errors) {
      errors->push_back("no usable network in bus spec '" + std::string(text) + "'");
      for (const auto& w : spec.warnings) errors->push_back(w);
    }
    return std::nullopt;
  }
  return spec;
}

std::string resolve_bus_text(std::string_view explicit_value, const char* ivybus_env,
                             const char* ivy_bus_env) {
  if (!explicit_value.empty()) return std::string(explicit_value);
  if (ivybus_env && *ivybus_env) return ivybus_env;
  if (ivy_bus_env && *ivy_bus_env) return ivy_bus_env;
  return std::string(kDefaultBus);
}

}  // namespace ivy
