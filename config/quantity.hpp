#pragma once
// Human-friendly sizes and durations, accepted as JSON strings wherever the
// config takes a byte count or a duration (plain integers are accepted too;
// their unit is the one in the key name, `_bytes`, `_seconds`, `_ms`).
//
//   parse_byte_size("64MiB")  // 67108864
//   parse_byte_size("512")    // 512
//   parse_duration("10m")     // 600 s
//   parse_duration("250ms")   // 250 ms
//
// Size units are binary only (B, KiB, MiB, GiB, TiB): "MB" is refused rather
// than guessed. Duration units: ms, s, m, h, d. One integer and one unit,
// optionally separated by a space; no fractions, no sums ("1h30m").

#include <chrono>
#include <cstdint>
#include <string_view>

#include "core/result.hpp"

namespace ivy::config {

Result<std::uint64_t> parse_byte_size(std::string_view text);

Result<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace ivy::config
