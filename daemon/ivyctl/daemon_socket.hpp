#pragma once
// Asking the running ivyd over its status socket (the protocol is in
// daemon/service/status_server.hpp): one request line, one JSON document
// back. Used by `ivyctl status`, `ivyctl who` and the other commands that
// look at the live daemon.

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace ivy::ctl {

// status.path's default (the packaged service).
inline constexpr const char* kDefaultSocket = "/run/ivyd/ivyd.sock";

// Connects to `socket_path`, sends `request` and a LF, and returns the whole
// reply (the daemon closes when done). A failure says what went wrong, with a
// hint for the usual causes (ivyd not running, not in the ivyd group). A
// request with a LF in it, or longer than the daemon takes, is refused here.
Result<std::string> ask_daemon(const std::string& socket_path, std::string_view request);

}  // namespace ivy::ctl
