#pragma once
// What `ivyctl probe` prints and reads, kept pure so it can be tested line by
// line. Output lines follow C ivyprobe's exact formats (§9.3 of
// ivy-protocol.md), so scripts written against ivyprobe keep working:
//
//   IVYPROBE connected from 127.0.0.1
//   IVYPROBE sent  'a' 'b'           (two spaces before the first argument)
//   IVYPROBE sent a direct message, id=3, message=hello
//   Application: IVYPROBE on 127.0.0.1 add regexp 2 : ^foo (.*)
//   IVYPROBE respond to ping in 0.123 ms
//
// Input lines: a line starting with '.' is a command, any other line is a
// message to send.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ivy::ctl {

std::string probe_connected(std::string_view name, std::string_view host);
std::string probe_disconnected(std::string_view name, std::string_view host);
std::string probe_message(std::string_view name, const std::vector<std::string>& args);
std::string probe_direct(std::string_view name, int id, std::string_view text);
std::string probe_bind(std::string_view name, std::string_view host, int id, std::string_view pattern);
std::string probe_unbind(std::string_view name, std::string_view host, int id, std::string_view pattern);
// A regexp of ours that does not compile (.bind, -f, arguments).
std::string probe_compile_error(std::string_view pattern, std::string_view message);
std::string probe_sent(std::size_t frames);
std::string probe_pong(std::string_view name, std::chrono::microseconds rtt);
std::string probe_ping_timeout(std::string_view name, std::chrono::milliseconds waited);
// "[12:34:56.789] " for -t, from a wall-clock time.
std::string probe_timestamp(std::chrono::system_clock::time_point when);

struct ProbeCommand {
  enum class Kind { kSend, kBind, kUnbind, kWho, kWhere, kDirect, kDie, kPing, kHelp, kQuit, kShowBind, kInvalid };
  Kind kind = Kind::kSend;
  std::string text;     // message (kSend), regexp (kBind), agent (kWhere/kDirect/kDie/kPing), error (kInvalid)
  int id = 0;           // kUnbind, kDirect
  std::string payload;  // kDirect: the text
};

// Parses one stdin line. Quotes around a .bind regexp or a .direct text are
// optional, as in C ivyprobe.
ProbeCommand parse_probe_line(std::string_view line);

extern const char* const kProbeCommandsHelp;

}  // namespace ivy::ctl
