#pragma once
// Syntax checks for the addresses a config holds. Pure string checks: no DNS,
// no sockets. The full Ivy bus-spec parser lives in core/; this is the strict
// subset the config accepts, so that mistakes ivy-c would silently "fix"
// (element 300 wrapping to 44, "2010abc" read as 2010) are reported instead.
//
// Bus spec (ivy-protocol.md §1.1): `[net[,net...]][:port]`
//   net  = 1 to 4 dot-separated decimal elements, each 0-255 ("127", "10.0.0")
//   port = 1-65535; an IPv6 literal needs it ("ff02::1:2010", the last ':'
//          introduces the port, as in ivy-c)
//   check_bus_spec("127.0.0:99999")  // error "\"127.0.0:99999\": port out of range 1-65535"
//
// Host and port (static peers, bridge links): `host:port`, where host is a DNS
// name, a dotted IPv4 address or a bracketed IPv6 literal ("[::1]:7010").
//
// Error messages start with the quoted text, ready for a ConfigProblem.

#include <string_view>

#include "core/result.hpp"

namespace ivy::config {

Status check_bus_spec(std::string_view spec);

Status check_host_port(std::string_view text);

// Listen address of the metrics endpoint: `a.b.c.d:port`, a numeric IPv4
// address (each element 0-255) and a port 0-65535, 0 meaning any free port.
// Host names and IPv6 are refused: Debian's civetweb, which serves it, binds
// neither ("localhost:9643" would be looked up, "[::1]:9643" fails).
Status check_ipv4_listen(std::string_view text);

}  // namespace ivy::config
