#include "config/address_check.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace ivy::config {

namespace {

bool all_digits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

bool is_ipv6_literal(std::string_view s) {
  in6_addr address{};
  return inet_pton(AF_INET6, std::string(s).c_str(), &address) == 1;
}

Status fail_quoted(std::string_view text, const std::string& what) {
  return fail("\"" + std::string(text) + "\": " + what);
}

// Empty is "no port given"; the caller decides whether that is allowed.
Status check_port(std::string_view text, std::string_view port) {
  if (!all_digits(port))
    return fail_quoted(text, "port \"" + std::string(port) + "\" is not a number");
  if (port.size() > 5 || std::stoul(std::string(port)) < 1 ||
      std::stoul(std::string(port)) > 65535) {
    return fail_quoted(text, "port out of range 1-65535");
  }
  return {};
}

// "192.168" or "10.0.0.255": 1-4 decimal elements, each 0-255.
Status check_ipv4_network(std::string_view text, std::string_view net) {
  int elements = 0;
  std::size_t start = 0;
  while (start <= net.size()) {
    std::size_t dot = std::min(net.find('.', start), net.size());
    std::string_view element = net.substr(start, dot - start);
    if (!all_digits(element)) {
      return fail_quoted(text, "network \"" + std::string(net) + "\" is not 1-4 dotted numbers");
    }
    if (element.size() > 3 || std::stoi(std::string(element)) > 255) {
      return fail_quoted(text, "element " + std::string(element) + " out of range 0-255");
    }
    if (++elements > 4)
      return fail_quoted(text, "network \"" + std::string(net) + "\" has more than 4 elements");
    start = dot + 1;
  }
  return {};
}

bool is_host_name(std::string_view host) {
  return !host.empty() && host.front() != '-' && host.front() != '.' &&
         std::all_of(host.begin(), host.end(), [](unsigned char c) {
           return std::isalnum(c) || c == '-' || c == '.' || c == '_';
         });
}

bool is_dotted_quad(std::string_view host) {
  int elements = 0;
  std::size_t start = 0;
  while (start <= host.size()) {
    const std::size_t dot = std::min(host.find('.', start), host.size());
    const std::string_view element = host.substr(start, dot - start);
    if (!all_digits(element) || element.size() > 3 || std::stoi(std::string(element)) > 255)
      return false;
    ++elements;
    start = dot + 1;
  }
  return elements == 4;
}

}  // namespace

Status check_bus_spec(std::string_view spec) {
  if (spec.empty()) return fail("empty bus spec (write e.g. \"127.255.255.255:2010\")");
  std::size_t colon = spec.rfind(':');
  std::string_view nets = spec.substr(0, colon == std::string_view::npos ? spec.size() : colon);
  if (colon != std::string_view::npos) {
    if (auto port = check_port(spec, spec.substr(colon + 1)); !port) return port;
  }
  if (nets.empty()) return {};  // ":2010": the default network
  if (nets.find(':') != std::string_view::npos) {
    if (is_ipv6_literal(nets)) return {};
    return fail_quoted(spec, "not an IPv4 network list nor an IPv6 address followed by :port");
  }
  std::size_t start = 0;
  while (start <= nets.size()) {
    std::size_t comma = std::min(nets.find(',', start), nets.size());
    if (auto net = check_ipv4_network(spec, nets.substr(start, comma - start)); !net) return net;
    start = comma + 1;
  }
  return {};
}

Status check_host_port(std::string_view text) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return fail_quoted(text, "expected host:port");
  if (auto port = check_port(text, text.substr(colon + 1)); !port) return port;
  std::string_view host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    if (is_ipv6_literal(host.substr(1, host.size() - 2))) return {};
    return fail_quoted(text, "bad IPv6 address in brackets");
  }
  if (host.find(':') != std::string_view::npos) {
    return fail_quoted(text, "an IPv6 address needs brackets, e.g. \"[::1]:7010\"");
  }
  if (!is_host_name(host)) return fail_quoted(text, "bad host name");
  return {};
}

Status check_ipv4_listen(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  const std::string_view host = text.substr(0, colon == std::string_view::npos ? 0 : colon);
  if (colon == std::string_view::npos || !is_dotted_quad(host)) {
    return fail_quoted(text, "expected a numeric IPv4 address and a port, e.g. \"127.0.0.1:9643\"");
  }
  const std::string_view port = text.substr(colon + 1);
  if (port == "0") return {};  // any free port
  return check_port(text, port);
}

}  // namespace ivy::config
