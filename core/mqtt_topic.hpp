#pragma once
// MQTT topics for the Ivy <-> MQTT gateway (docs/bridge.md, "MQTT"): the
// topic an Ivy message is published to, and the checks the config applies to
// the topics it names. Pure string functions.
//
// Mapping: a message T goes to `<prefix>/<first word of T>`. The first word
// ends at the first space. In it, the bytes MQTT gives a meaning to or
// forbids become '_':
//   '+' and '#' (wildcards), '/' (a level separator: one Ivy word is one
//   level), NUL, control characters, and every byte that is not part of
//   valid UTF-8 (MQTT 5 §1.5.4: a topic is UTF-8 without NUL; mosquitto also
//   refuses U+0001-U+001F, U+007F-U+009F and the noncharacters).
// An empty first word (T empty or starting with a space) becomes "_". The
// word is cut, at a character boundary, so that the topic stays within
// MQTT's 65,535 bytes.
//
//   mqtt_topic("ivy/lab1", "TrackMoved id=12 x=3")  // "ivy/lab1/TrackMoved"
//   mqtt_topic("ivy/lab1", "a/b+c d")               // "ivy/lab1/a_b_c"
//
// Checks return an error message that starts with the quoted text, ready for
// a ConfigProblem.
//
// Thread: pure functions, any thread.

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace ivy {

// The longest topic MQTT allows, in bytes (a two-byte length, §1.5.4).
inline constexpr std::size_t kMaxMqttTopicBytes = 65535;

// The first word of `text`, sanitised as described above; never empty.
std::string mqtt_topic_word(std::string_view text, std::size_t max_bytes = kMaxMqttTopicBytes);

// `<prefix>/<mqtt_topic_word(text)>`, within kMaxMqttTopicBytes.
std::string mqtt_topic(std::string_view prefix, std::string_view text);

// `text` with every byte sequence an MQTT UTF-8 string may not hold replaced
// by `replacement` (one per byte): for user properties and client ids built
// from Ivy agent names, which are bytes.
std::string mqtt_utf8(std::string_view text, char replacement = '?');

// True if `text` is a valid MQTT UTF-8 string (what mosquitto accepts).
bool is_mqtt_utf8(std::string_view text);

// A topic prefix to publish under: not empty, valid UTF-8, no wildcard
// ('+', '#'), no '/' at either end, not starting with '$' (reserved for the
// broker, e.g. $SYS), fewer than 200 levels (mosquitto's limit, with the
// word), at most 32,767 bytes (half a topic: room for the word).
Status check_mqtt_topic_prefix(std::string_view prefix);

// A subscription topic filter: not empty, valid UTF-8, '+' only as a whole
// level, '#' only as the whole last level (MQTT 5 §4.7.1).
Status check_mqtt_topic_filter(std::string_view filter);

}  // namespace ivy
