#include "core/mqtt_payload.hpp"

#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

namespace ivy {
namespace {

std::string string_member(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string iso8601_utc(std::int64_t wall_ns) {
  // Floor division: a time before 1970 still gets a non-negative fraction.
  std::int64_t secs = wall_ns / 1'000'000'000;
  std::int64_t frac = wall_ns % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --secs;
  }
  const auto t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(frac / 1000));
  return buf;
}

std::string encode_mqtt_json(const MqttJsonMessage& m) {
  nlohmann::json doc = {{"text", m.text},
                        {"sender", m.sender},
                        {"bus", m.bus},
                        {"time", iso8601_utc(m.wall_ns)},
                        {"site", m.site}};
  // Ivy bytes are not always UTF-8: replace rather than throw (a strict
  // dump() would end ivyd on one odd byte from the network).
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<MqttJsonMessage> decode_mqtt_json(std::string_view payload) {
  if (payload.empty() || payload.front() != '{') return std::nullopt;  // cheap test for plain text
  const auto doc = nlohmann::json::parse(payload, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  const auto text = doc.find("text");
  if (text == doc.end() || !text->is_string()) return std::nullopt;
  MqttJsonMessage m;
  m.text = text->get<std::string>();
  m.sender = string_member(doc, "sender");
  m.bus = string_member(doc, "bus");
  m.site = string_member(doc, "site");
  return m;
}

}  // namespace ivy
