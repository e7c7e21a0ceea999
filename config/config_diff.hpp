#pragma once
// ConfigDiff: what changed between the running Config and a reloaded one, so
// that SIGHUP applies only that (docs/config.md, "Reloading").
//
//   ConfigDiff d = diff(running, reloaded);
//   for (const auto& id : d.buses_removed) leave_bus(id);
//   if (d.logging_changed) set_level(reloaded.logging.level);
//
// Buses and bridges are matched by id, so reordering them is no change, and
// renaming one is a removal plus an addition. The diff is literal: a bridge
// whose own settings are equal is not listed even if its bus is changed; the
// daemon restarts a bus's bridges with the bus (bridges_on()). Ids are listed
// in the order of the config they come from (removed: `before`, else
// `after`).

#include <string>
#include <vector>

#include "config/config.hpp"

namespace ivy::config {

struct ConfigDiff {
  std::vector<std::string> buses_added;
  std::vector<std::string> buses_removed;
  std::vector<std::string> buses_changed;  // same id, some setting differs
  std::vector<std::string> bridges_added;
  std::vector<std::string> bridges_removed;
  std::vector<std::string> bridges_changed;  // same id, some setting differs
  bool recorder_changed = false;
  bool limits_changed = false;
  bool allowed_networks_changed = false;
  bool status_changed = false;
  bool matcher_changed = false;
  bool logging_changed = false;
  bool central_changed = false;  // added, removed or any setting differs
  bool metrics_changed = false;

  bool empty() const;
  bool operator==(const ConfigDiff&) const = default;
};

ConfigDiff diff(const Config& before, const Config& after);

// Ids of the bridges in `config` that use bus `bus_id` on either side.
std::vector<std::string> bridges_on(const Config& config, const std::string& bus_id);

// For the reload log line: "buses +lab -old ~main; recorder; logging", or
// "no changes".
std::string to_string(const ConfigDiff& diff);

}  // namespace ivy::config
