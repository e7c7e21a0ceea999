#pragma once
// What a link or MQTT bridge does with a message from its far side before
// it reaches the local bus: the bridge's policy (direction, filters,
// prefixes), interest mode, the daemon's dedup window, then the emit, each
// step counted; on success the recorder hears of the copy (on_bridged).

#include <string>
#include <string_view>

#include "core/bridge_policy.hpp"
#include "daemon/bridges/bridge_types.hpp"
#include "daemon/bridges/bus_side.hpp"

namespace ivy::daemon {

// Views: they need only last the call.
struct RemoteMessage {
  std::string_view text;
  std::string_view origin_bus;    // as recorded: the far bus, or "mqtt:<topic>"
  std::string_view origin_agent;
  std::string_view path;          // the dedup window's ingress path: "link:<id>", "mqtt:<id>"
};

struct RemoteInbound {
  const std::string& bridge_id;
  const std::string& bus_id;
  const BridgePolicy& policy;
  BridgeMode mode;
  const BridgeHooks& hooks;
};

// Emits `m` on the bus through `side` (may be null: the bridge is stopping)
// unless a step refuses it; `counters` says which.
void deliver_remote(const RemoteInbound& bridge, BusSide* side, const RemoteMessage& m, BridgeCounters& counters);

}  // namespace ivy::daemon
