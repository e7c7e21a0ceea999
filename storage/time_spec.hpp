#pragma once
// parse_time_spec: the time arguments of `ivyctl --since/--until`, to ns
// since the Unix epoch. Pure: "now" and the local zone come in as arguments.
//
//   now | today | yesterday          midnight in the given zone for the last two
//   -30s  -10m  -2h  -1d  -1w  +5m   relative to now; units ms s m h d w;
//                                    a sign is required
//   2026-11-25                       midnight, in the given zone
//   2026-11-25T10:00[:00[.123]]      'T' or one space; in the given zone...
//   ...Z  ...+02:00  ...-0530  ...+02   ...unless a zone is written
//   @1764064800[.5]                  Unix seconds
//
// Errors say what was expected and where. A time outside what int64 ns
// since the epoch can hold (1677-09-21 to 2262-04-11) is "out of range".

#include <cstdint>
#include <string_view>

#include "core/result.hpp"

namespace ivy::storage {

struct TimeContext {
  std::int64_t now_ns = 0;
  std::int32_t utc_offset_s = 0;  // local zone for times written without one
};

Result<std::int64_t> parse_time_spec(std::string_view text, const TimeContext& context);

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day);

}  // namespace ivy::storage
