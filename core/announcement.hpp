#pragma once
// Announcement: the UDP discovery datagram (§2.2, §2.3, §2.5).
//
//   "3 <tcp-port> <app-id> <app-name>\n"     protocol version 3
//   "3 <tcp-port>\n"                          legacy form (before 2006)
//
// A datagram may hold several LF-terminated lines (ivy-c reads it that way);
// the last may lack its LF. The app-id is an opaque token without spaces;
// the name is the rest of the line and may contain spaces.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace ivy {

inline constexpr int kIvyProtocolVersion = 3;
inline constexpr std::size_t kMaxAppIdBytes = 127;     // ivy-c reads it into char[128]
inline constexpr std::size_t kMaxAppNameBytes = 2047;  // ivy-c: char appname[2048]

struct Announcement {
  int version = kIvyProtocolVersion;
  std::uint16_t port = 0;
  std::string app_id;    // empty in the legacy form
  std::string app_name;  // empty in the legacy form
  bool legacy() const { return app_id.empty(); }
};

// "3 <port> <app-id> <name>\n". Refuses an app-id that is empty, has a blank
// or a control byte, or is too long, and a name with LF/NUL or too long.
Result<std::string> format_announcement(std::uint16_t port, std::string_view app_id,
                                        std::string_view app_name);

// Parses one line (without LF). Errors: too few fields, a non-numeric
// version or port, a port of 0 or over 65535, a version other than 3 (the
// error says which version was seen).
Result<Announcement> parse_announcement(std::string_view line);

// Splits a datagram into lines and parses each (empty lines are skipped).
std::vector<Result<Announcement>> parse_datagram(std::string_view datagram);

// ivy-c's app-id: "<random>:<milliseconds since the epoch>:<tcp-port>".
// Randomness and time are the caller's (core has no clock).
std::string make_app_id(std::uint32_t random, std::uint64_t epoch_ms, std::uint16_t port);

}  // namespace ivy
