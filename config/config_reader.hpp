#pragma once
// read_config: a parsed JSON document -> Config, one section at a time.
//
// Checks what can be checked on one value: JSON types, integer ranges, enum
// names, sizes and durations, CIDR syntax, required and unknown keys. Checks
// that need several values (duplicate ids, a bridge naming a missing bus) or
// that also apply after command-line overrides (bus spec syntax) are in
// validate(), config_validate.hpp.
//
// A value with a problem is reported to the sink and left at its default, so
// reading always goes on and finds every problem. The returned Config is
// only meaningful when the sink stayed empty.

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "config/json_reader.hpp"

namespace ivy::config {

// Upper bound for every byte count: 1 TiB.
inline constexpr std::uint64_t kMaxBytes = 1ULL << 40;
// Upper bound for every duration in seconds: ten years.
inline constexpr std::int64_t kMaxSeconds = 10LL * 366 * 24 * 3600;

Config read_config(const nlohmann::json& document, ProblemSink& sink);

// The `bridges` array (bridge_reader.cpp); part of read_config.
std::vector<BridgeConfig> read_bridges(const nlohmann::json& array, const std::string& path,
                                       ProblemSink& sink);

}  // namespace ivy::config
