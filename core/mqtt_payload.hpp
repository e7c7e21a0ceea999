#pragma once
// The JSON payload of the MQTT gateway (bridge key `"payload": "json"`,
// docs/bridge.md): an Ivy message with where and when it was sent, for
// consumers that want more than the text (Node-RED, dashboards, scripts).
//
//   {"text":"TrackMoved id=12","sender":"radar","bus":"main",
//    "time":"2026-12-01T10:00:00.123456Z","site":"lab1"}
//
// `time` is the wall-clock time ivyd took the message from the bus, UTC, ISO
// 8601 with microseconds. Ivy texts and agent names are bytes: what is not
// valid UTF-8 becomes U+FFFD in the JSON (the "text" payload, not this one,
// is the byte-exact form).
//
// Decoding is for the way in: a payload that is a JSON object with a string
// "text" is that message; anything else (plain text, other JSON) is not, and
// the gateway emits the payload as it is.
//
// Thread: pure functions, any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ivy {

struct MqttJsonMessage {
  std::string text;
  std::string sender;        // the Ivy agent that sent it
  std::string bus;           // the bus id on the sending ivyd
  std::string site;          // the sending ivyd's `site`
  std::int64_t wall_ns = 0;  // encode only: nanoseconds since the Unix epoch
};

std::string encode_mqtt_json(const MqttJsonMessage& message);

// The message in `payload`, or nullopt if it is not a JSON object with a
// string "text". Missing or non-string sender/bus/site are left empty;
// `time` is not read (wall_ns stays 0).
std::optional<MqttJsonMessage> decode_mqtt_json(std::string_view payload);

// "2026-12-01T10:00:00.123456Z" for `wall_ns` nanoseconds since the epoch.
std::string iso8601_utc(std::int64_t wall_ns);

}  // namespace ivy
