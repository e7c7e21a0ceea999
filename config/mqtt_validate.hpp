#pragma once
// The checks of validate() (config_validate.hpp) for an Ivy<->MQTT gateway
// (bridge type "mqtt") that need more than one value: the broker URL
// (broker_url.hpp), the topic prefix and filters (core/mqtt_topic.hpp) and
// which of them the direction needs, TLS files only with mqtts://, a
// password file only with a user name, the reconnect delays.
//
// Problems carry their JSON path (`bridges[2].topic_prefix`) and message;
// validate() adds the line.

#include <string>

#include "config/config.hpp"
#include "config/config_problem.hpp"

namespace ivy::config {

// Every problem of `bridge` (type mqtt), at `path` ("bridges[2]").
ConfigProblems check_mqtt_bridge(const BridgeConfig& bridge, const std::string& path);

// The broker URL and client id of `bridge` as one key, for the "one client id
// per broker" check; "" when the client id is the default (unique by the
// bridge id) or the broker URL is bad.
std::string mqtt_client_key(const BridgeConfig& bridge);

}  // namespace ivy::config
