#pragma once
// Command-line overrides applied on top of a loaded (or default) Config.
//
// The flags themselves are parsed in daemon/ (Boost.Program_options); this is
// the pure part: what each flag changes, and the checks on the result.
//
//   --bus SPEC        repeatable. The n-th --bus replaces the spec of the n-th
//                     bus; extra ones add buses with default settings and ids
//                     "bus2", "bus3", ... (by position, 1-based).
//   --name NAME       the agent name on every bus.
//   --log-level LVL   debug | info | notice | warning | error.
//
//   CliOverrides overrides{.buses = {"10.0.0:2345"}, .log_level = "debug"};
//   auto config = apply_overrides(*loaded, overrides);
//
// Problems name the flag as their source ("--bus: \"1.2.3:0\": port out of
// range 1-65535"); whole-config problems the overrides cause (a spec now
// used by two buses) have source "command line" and the JSON path.

#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/config_loader.hpp"

namespace ivy::config {

struct CliOverrides {
  std::vector<std::string> buses{};        // --bus, in command-line order
  std::optional<std::string> name{};       // --name
  std::optional<std::string> log_level{};  // --log-level

  bool empty() const { return buses.empty() && !name && !log_level; }
};

ConfigResult apply_overrides(Config config, const CliOverrides& overrides);

}  // namespace ivy::config
