#include "config/mqtt_reader.hpp"

#include <array>

#include "config/config_reader.hpp"
#include "config/enum_names.hpp"

namespace ivy::config {
namespace {

constexpr std::array<std::string_view, 17> kMqttKeys{"broker",
                                                     "topic_prefix",
                                                     "subscribe",
                                                     "qos",
                                                     "payload",
                                                     "site",
                                                     "client_id",
                                                     "username",
                                                     "password_file",
                                                     "ca_file",
                                                     "cert_file",
                                                     "key_file",
                                                     "keepalive_seconds",
                                                     "session_expiry_seconds",
                                                     "reconnect_min_ms",
                                                     "reconnect_max_ms",
                                                     "outage_buffer_bytes"};

// 2^32 - 1: MQTT 5's session expiry interval is a four-byte integer.
constexpr std::int64_t kMaxSessionExpiry = 4'294'967'295LL;

}  // namespace

void read_mqtt(ObjectReader& in, MqttConfig& out) {
  in.require("broker");
  in.read("broker", out.broker);
  in.read("topic_prefix", out.topic_prefix);
  in.read("subscribe", out.subscribe);
  in.read_integer("qos", out.qos, 0, 2);
  in.read_enum("payload", out.payload, kMqttPayloadNames);
  in.read("site", out.site);
  in.read("client_id", out.client_id);
  in.read("username", out.username);
  in.read("password_file", out.password_file);
  in.read("ca_file", out.ca_file);
  in.read("cert_file", out.cert_file);
  in.read("key_file", out.key_file);
  in.read_duration("keepalive_seconds", out.keepalive, 5, 65535);
  in.read_duration("session_expiry_seconds", out.session_expiry, 0, kMaxSessionExpiry);
  in.read_duration("reconnect_min_ms", out.reconnect_min, 10, 3'600'000);
  in.read_duration("reconnect_max_ms", out.reconnect_max, 10, 3'600'000);
  in.read_bytes("outage_buffer_bytes", out.outage_buffer_bytes, 0, kMaxBytes);
}

void refuse_mqtt_keys(ObjectReader& in, const std::string& why) {
  for (const auto key : kMqttKeys) {
    if (in.child(key)) in.sink().at_value(in.path_of(key), "not allowed " + why);
  }
}

void ignore_mqtt_keys(ObjectReader& in) {
  for (const auto key : kMqttKeys) in.child(key);
}

}  // namespace ivy::config
