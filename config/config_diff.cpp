#include "config/config_diff.hpp"

#include <algorithm>

namespace ivy::config {

namespace {

template <class Item>
const Item* find_by_id(const std::vector<Item>& items, const std::string& id) {
  auto it =
      std::find_if(items.begin(), items.end(), [&](const Item& item) { return item.id == id; });
  return it == items.end() ? nullptr : &*it;
}

// Fills added/removed/changed for one list of id'd items (buses or bridges).
template <class Item>
void diff_by_id(const std::vector<Item>& before, const std::vector<Item>& after,
                std::vector<std::string>& added, std::vector<std::string>& removed,
                std::vector<std::string>& changed) {
  for (const Item& old_item : before) {
    const Item* new_item = find_by_id(after, old_item.id);
    if (!new_item) {
      removed.push_back(old_item.id);
    } else if (!(*new_item == old_item)) {
      changed.push_back(old_item.id);
    }
  }
  for (const Item& new_item : after) {
    if (!find_by_id(before, new_item.id)) added.push_back(new_item.id);
  }
}

void append_ids(std::string& out, char mark, const std::vector<std::string>& ids) {
  for (const std::string& id : ids) out += std::string(" ") + mark + id;
}

void append_list(std::string& out, const char* what, const std::vector<std::string>& added,
                 const std::vector<std::string>& removed, const std::vector<std::string>& changed) {
  if (added.empty() && removed.empty() && changed.empty()) return;
  if (!out.empty()) out += "; ";
  out += what;
  append_ids(out, '+', added);
  append_ids(out, '-', removed);
  append_ids(out, '~', changed);
}

void append_flag(std::string& out, const char* what, bool changed) {
  if (!changed) return;
  if (!out.empty()) out += "; ";
  out += what;
}

}  // namespace

bool ConfigDiff::empty() const { return *this == ConfigDiff{}; }

ConfigDiff diff(const Config& before, const Config& after) {
  ConfigDiff d;
  diff_by_id(before.buses, after.buses, d.buses_added, d.buses_removed, d.buses_changed);
  diff_by_id(before.bridges, after.bridges, d.bridges_added, d.bridges_removed, d.bridges_changed);
  d.recorder_changed = before.recorder != after.recorder;
  d.limits_changed = before.limits != after.limits;
  d.allowed_networks_changed = before.allowed_networks != after.allowed_networks;
  d.status_changed = before.status != after.status;
  d.matcher_changed = before.matcher != after.matcher;
  d.logging_changed = before.logging != after.logging;
  d.central_changed = before.central != after.central;
  d.metrics_changed = before.metrics != after.metrics;
  return d;
}

std::vector<std::string> bridges_on(const Config& config, const std::string& bus_id) {
  std::vector<std::string> ids;
  for (const BridgeConfig& bridge : config.bridges) {
    if (bridge.bus == bus_id || (bridge.type == BridgeType::kBus && bridge.peer_bus == bus_id)) {
      ids.push_back(bridge.id);
    }
  }
  return ids;
}

std::string to_string(const ConfigDiff& d) {
  std::string out;
  append_list(out, "buses", d.buses_added, d.buses_removed, d.buses_changed);
  append_list(out, "bridges", d.bridges_added, d.bridges_removed, d.bridges_changed);
  append_flag(out, "recorder", d.recorder_changed);
  append_flag(out, "limits", d.limits_changed);
  append_flag(out, "allowed_networks", d.allowed_networks_changed);
  append_flag(out, "status", d.status_changed);
  append_flag(out, "matcher", d.matcher_changed);
  append_flag(out, "logging", d.logging_changed);
  append_flag(out, "central", d.central_changed);
  append_flag(out, "metrics", d.metrics_changed);
  return out.empty() ? "no changes" : out;
}

}  // namespace ivy::config
