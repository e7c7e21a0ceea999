// MqttClient: libmosquitto's callbacks (connection, messages, publication
// and subscription acknowledgements), and reading a message's properties.
// Each runs inside a libmosquitto call made by mqtt_client*.cpp, on the
// io_context thread.
#include "daemon/bridges/mqtt/mqtt_client.hpp"

#include <cerrno>
#include <cstdlib>

#include <mosquitto.h>
#include <mqtt_protocol.h>

namespace ivy::daemon {

std::optional<std::string> MqttProperties::user(std::string_view name) const {
  const mosquitto_property* at = list_;
  for (bool skip = false; at; skip = true) {
    char* key = nullptr;
    char* value = nullptr;
    at = mosquitto_property_read_string_pair(at, MQTT_PROP_USER_PROPERTY, &key, &value, skip);
    std::optional<std::string> found;
    if (at && key && name == key) found = value ? value : "";
    std::free(key);
    std::free(value);
    if (found) return found;
  }
  return std::nullopt;
}

// `self` is the MqttClient (mosquitto_new's user data).

void MqttClient::on_connect_cb(mosquitto*, void* self, int rc, int flags, const mqtt5__property*) {
  auto& c = *static_cast<MqttClient*>(self);
  CallbackScope scope(c);
  if (rc == 0) {
    c.connected(flags);
    return;
  }
  // libmosquitto closes the connection next and reports it to on_disconnect.
  ++c.counters_.refused;
  c.refusal_ = std::string("refused by the broker: ") + mosquitto_reason_string(rc);
}

void MqttClient::on_disconnect_cb(mosquitto*, void* self, int rc, const mqtt5__property*) {
  const int saved_errno = errno;
  auto& c = *static_cast<MqttClient*>(self);
  CallbackScope scope(c);
  if (c.state_ == State::kStopped) return;
  // The broker's DISCONNECT gives an MQTT 5 reason code (0, or 0x80 and up),
  // libmosquitto's own failures a MOSQ_ERR_* value.
  const std::string why = rc == 0 || rc >= 0x80 ? std::string("disconnected by the broker: ") +
                                                      mosquitto_reason_string(rc)
                                                : c.describe(rc, saved_errno);
  if (c.state_ == State::kConnected)
    c.lost(why);
  else
    c.attempt_failed(why);
}

void MqttClient::on_publish_cb(mosquitto*, void* self, int mid, int reason,
                               const mqtt5__property*) {
  auto& c = *static_cast<MqttClient*>(self);
  CallbackScope scope(c);
  if (reason >= 0x80) {
    if (c.counters_.publish_refused++ == 0) {
      c.log_.warning(c.options_.label + ": the broker refused a message: " +
                     mosquitto_reason_string(reason) + " (further refusals are only counted)");
    }
  }
  if (c.handler_.on_published) c.handler_.on_published(mid);
}

void MqttClient::on_message_cb(mosquitto*, void* self, const mosquitto_message* m,
                               const mqtt5__property* props) {
  auto& c = *static_cast<MqttClient*>(self);
  CallbackScope scope(c);
  if (!c.handler_.on_message || !m->topic) return;
  const std::string_view payload(static_cast<const char*>(m->payload),
                                 m->payload ? m->payloadlen : 0);
  c.handler_.on_message(m->topic, payload, MqttProperties(props));
}

void MqttClient::on_subscribe_cb(mosquitto*, void* self, int mid, int count, const int* granted,
                                 const mqtt5__property*) {
  auto& c = *static_cast<MqttClient*>(self);
  CallbackScope scope(c);
  const auto it = c.pending_subscriptions_.find(mid);
  const std::string filter = it == c.pending_subscriptions_.end() ? "?" : it->second;
  if (it != c.pending_subscriptions_.end()) c.pending_subscriptions_.erase(it);
  for (int i = 0; i < count; ++i) {
    if (granted[i] < 0x80) {
      c.log_.info(c.options_.label + ": subscribed to '" + filter + "'");
      continue;
    }
    ++c.counters_.subscriptions_refused;
    c.log_.warning(c.options_.label + ": the broker refused the subscription '" + filter +
                   "': " + mosquitto_reason_string(granted[i]));
  }
}

void MqttClient::on_log_cb(mosquitto*, void* self, int level, const char* text) {
  auto& c = *static_cast<MqttClient*>(self);
  if ((level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING)) && text) c.library_error_ = text;
}

}  // namespace ivy::daemon
