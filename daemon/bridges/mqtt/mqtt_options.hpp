#pragma once
// The options of an MqttBridge from its config (config::BridgeConfig of type
// mqtt, docs/config.md): the broker URL parsed, the defaults filled in
// (client id "ivyd-<host>-<bridge id>", site = host name), the password read
// from `password_file`, and the daemon's limits applied (what may be in
// flight to the broker: limits.peer_queue_bytes; the largest packet the
// broker may send us: limits.max_frame_bytes plus room for the topic).
//
// Fails, with the bridge's name, on what only the running daemon can find
// wrong: a password file that cannot be read or is empty. (--check-config
// has already checked the rest.)

#include <string>

#include "config/config.hpp"
#include "core/result.hpp"
#include "daemon/bridges/mqtt/mqtt_bridge.hpp"

namespace ivy::daemon {

struct MqttLimits {
  std::uint64_t max_in_flight_bytes = 8 * 1024 * 1024;
  std::uint64_t max_frame_bytes = 16 * 1024 * 1024;
};

Result<MqttBridgeOptions> mqtt_bridge_options(const config::BridgeConfig& bridge,
                                              const std::string& host_name,
                                              const MqttLimits& limits);

}  // namespace ivy::daemon
