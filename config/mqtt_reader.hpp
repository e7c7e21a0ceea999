#pragma once
// The keys of an Ivy<->MQTT gateway (bridge type "mqtt"), part of
// read_bridges (bridge_reader.cpp). They sit in the bridge object beside
// `id`, `bus` and the filters, as in
//
//   { "id": "to-broker", "type": "mqtt", "bus": "main",
//     "broker": "mqtt://127.0.0.1:1883", "topic_prefix": "ivy/lab1",
//     "subscribe": ["ivy/+/#"], "qos": 1 }
//
// so a bridge of another type must not have them. Per-key checks only
// (types, ranges, enum names, required `broker`); checks across keys (URL
// syntax, topics, TLS files with mqtts only) are in validate().

#include <string_view>

#include "config/config.hpp"
#include "config/json_reader.hpp"

namespace ivy::config {

// Reads every MQTT key of the bridge object `in` into `out`.
void read_mqtt(ObjectReader& in, MqttConfig& out);

// Reports every MQTT key present in `in`, a bridge of another type, as "not
// allowed `why`".
void refuse_mqtt_keys(ObjectReader& in, const std::string& why);

// Marks the MQTT keys as known without checking them (a bridge whose type is
// wrong: its other problems would only be noise).
void ignore_mqtt_keys(ObjectReader& in);

}  // namespace ivy::config
