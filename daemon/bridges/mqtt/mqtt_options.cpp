#include "daemon/bridges/mqtt/mqtt_options.hpp"

#include <algorithm>

#include "config/broker_url.hpp"
#include "core/mqtt_topic.hpp"
#include "daemon/bridges/bridges.hpp"

namespace ivy::daemon {
namespace {

BridgeWay way_of(config::BridgeDirection d) {
  switch (d) {
    case config::BridgeDirection::kIn:
      return BridgeWay::kIn;
    case config::BridgeDirection::kOut:
      return BridgeWay::kOut;
    case config::BridgeDirection::kBoth:
      return BridgeWay::kBoth;
  }
  return BridgeWay::kBoth;
}

// MQTT's largest packet is 256 MiB; a message of max_frame_bytes comes with
// its topic (up to 64 KiB) and properties.
std::uint32_t max_packet(std::uint64_t max_frame_bytes) {
  constexpr std::uint64_t kMqttMax = 268'435'455;
  return static_cast<std::uint32_t>(std::min(max_frame_bytes + 128 * 1024, kMqttMax));
}

Result<MqttClientOptions> client_options(const config::BridgeConfig& bridge,
                                         const std::string& host, const MqttLimits& limits) {
  const config::MqttConfig& m = bridge.mqtt;
  auto url = config::parse_broker_url(m.broker);
  if (!url) return fail("bridge '" + bridge.id + "': broker: " + url.error().message);
  MqttClientOptions c;
  c.broker = *url;
  c.client_id =
      m.client_id.empty() ? mqtt_utf8("ivyd-" + host + "-" + bridge.id, '_') : m.client_id;
  c.username = m.username;
  if (!m.password_file.empty()) {
    auto password = read_token_file(m.password_file, "password_file");
    if (!password) return fail("bridge '" + bridge.id + "': " + password.error().message);
    c.password = *password;
  }
  c.ca_file = m.ca_file;
  c.cert_file = m.cert_file;
  c.key_file = m.key_file;
  c.keepalive = m.keepalive;
  c.session_expiry_seconds = static_cast<std::uint32_t>(m.session_expiry.count());
  c.max_packet_bytes = max_packet(limits.max_frame_bytes);
  c.subscribe = m.subscribe;
  c.qos = static_cast<int>(m.qos);
  c.reconnect_min = m.reconnect_min;
  c.reconnect_max = m.reconnect_max;
  return c;
}

}  // namespace

Result<MqttBridgeOptions> mqtt_bridge_options(const config::BridgeConfig& bridge,
                                              const std::string& host_name,
                                              const MqttLimits& limits) {
  auto client = client_options(bridge, host_name, limits);
  if (!client) return fail_with(client.error());
  MqttBridgeOptions o;
  o.id = bridge.id;
  o.policy = {way_of(bridge.direction), bridge.include, bridge.exclude, bridge.add_prefix,
              bridge.strip_prefix};
  o.mode = bridge.mode == config::BridgeMode::kInterest ? BridgeMode::kInterest : BridgeMode::kAll;
  o.local_name = bridge.local_name;
  o.topic_prefix = bridge.mqtt.topic_prefix;
  o.qos = static_cast<int>(bridge.mqtt.qos);
  o.payload = bridge.mqtt.payload == config::MqttPayload::kJson ? MqttPayloadFormat::kJson
                                                                : MqttPayloadFormat::kText;
  o.site = bridge.mqtt.site.empty() ? host_name : bridge.mqtt.site;
  o.outage_buffer_bytes = bridge.mqtt.outage_buffer_bytes;
  o.max_in_flight_bytes = limits.max_in_flight_bytes;
  o.client = std::move(*client);
  return o;
}

}  // namespace ivy::daemon
