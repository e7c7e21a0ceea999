#pragma once
// validate: the checks on a Config as a whole, after reading and after the
// command-line overrides.
//
//   - at least one bus; bus ids well-formed and unique; no two buses on the
//     same spec; every bus spec, static peer and link address well-formed
//   - every bridge names existing buses (two different ones for type "bus"),
//     bridge ids unique, include/exclude patterns compile (PCRE2), link
//     reconnect_min_ms <= reconnect_max_ms, no two links listening on the
//     same address, an inline token of at least 16 characters (a link with
//     tls may have none), tls paths non-empty and fingerprints well-formed
//   - recorder and status paths non-empty when enabled; retention needs
//     rotation
//   - central: a libpq URI, a well-formed site name, the password in one
//     place only, and the recorder on (it ships the recording)
//   - the metrics listen address is a numeric IPv4 address and port
//
// Each problem has a JSON path and no source or position: the loader stamps
// them from the text (the path of an id refers to its `id` member). An empty
// result means the Config is usable.

#include "config/config.hpp"
#include "config/config_problem.hpp"

namespace ivy::config {

inline constexpr std::size_t kMinTokenLength = 16;

ConfigProblems validate(const Config& config);

}  // namespace ivy::config
