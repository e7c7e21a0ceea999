#include "config/mqtt_validate.hpp"

#include "config/broker_url.hpp"
#include "config/json_positions.hpp"
#include "core/mqtt_topic.hpp"

namespace ivy::config {
namespace {

struct Problems {
  const std::string& path;
  ConfigProblems list;

  void add(std::string_view key, std::string message) {
    add_at(child_path(path, key), std::move(message));
  }
  void add_at(std::string full_path, std::string message) {
    list.push_back(ConfigProblem{"", std::move(full_path), 0, 0, std::move(message)});
  }
  void check(std::string_view key, const Status& status) {
    if (!status) add(key, status.error().message);
  }
};

std::string direction_words(BridgeDirection d) {
  return "when direction is \"" + std::string(to_string(d)) + "\"";
}

void check_topics(Problems& p, const BridgeConfig& b) {
  const MqttConfig& m = b.mqtt;
  const bool out = b.direction != BridgeDirection::kIn;
  const bool in = b.direction != BridgeDirection::kOut;
  if (out && m.topic_prefix.empty())
    p.add("topic_prefix", "required " + direction_words(b.direction));
  else if (!out && !m.topic_prefix.empty())
    p.add("topic_prefix", "not used " + direction_words(b.direction));
  else if (out)
    p.check("topic_prefix", check_mqtt_topic_prefix(m.topic_prefix));
  if (in && m.subscribe.empty())
    p.add("subscribe", "at least one topic filter is required " + direction_words(b.direction));
  if (!in && !m.subscribe.empty()) p.add("subscribe", "not used " + direction_words(b.direction));
  for (std::size_t i = 0; i < m.subscribe.size() && in; ++i) {
    const Status st = check_mqtt_topic_filter(m.subscribe[i]);
    if (!st) p.add_at(index_path(child_path(p.path, "subscribe"), i), st.error().message);
  }
}

void check_credentials(Problems& p, const MqttConfig& m, bool tls) {
  for (const auto& [key, value] : {std::pair<const char*, const std::string&>{"ca_file", m.ca_file},
                                   {"cert_file", m.cert_file},
                                   {"key_file", m.key_file}}) {
    if (!value.empty() && !tls) p.add(key, "TLS files need an mqtts:// broker");
  }
  if (m.cert_file.empty() != m.key_file.empty()) {
    p.add(m.cert_file.empty() ? "cert_file" : "key_file",
          "give both cert_file and key_file (a client certificate)");
  }
  if (!m.password_file.empty() && m.username.empty())
    p.add("username", "password_file needs a username");
  if (!is_mqtt_utf8(m.username)) p.add("username", "must be UTF-8 without control characters");
  if (!is_mqtt_utf8(m.client_id)) p.add("client_id", "must be UTF-8 without control characters");
  if (m.client_id.size() > 65535) p.add("client_id", "too long (at most 65,535 bytes)");
}

}  // namespace

ConfigProblems check_mqtt_bridge(const BridgeConfig& bridge, const std::string& path) {
  Problems p{path, {}};
  const MqttConfig& m = bridge.mqtt;
  auto url = parse_broker_url(m.broker);
  if (!url) p.add("broker", url.error().message);
  check_topics(p, bridge);
  check_credentials(p, m, url && url->tls);
  if (m.reconnect_min > m.reconnect_max) {
    p.add("reconnect_min_ms",
          "must not exceed reconnect_max_ms (" + std::to_string(m.reconnect_max.count()) + ")");
  }
  return std::move(p.list);
}

std::string mqtt_client_key(const BridgeConfig& bridge) {
  auto url = parse_broker_url(bridge.mqtt.broker);
  if (!url || bridge.mqtt.client_id.empty()) return "";
  return url->to_string() + " " + bridge.mqtt.client_id;
}

}  // namespace ivy::config
