#pragma once
// MqttTestClient: an ordinary MQTT 5 client for the gateway's tests, made of
// plain libmosquitto with its own network thread (mosquitto_loop_start), so
// it shares no code with the MqttClient under test. It publishes, and keeps
// every message it receives (topic, payload, user properties).
//
//   MqttTestClient sub;
//   sub.connect(broker.port());
//   sub.subscribe("ivy/#");
//   ...
//   sub.wait_for(3);                      // at most 10 s
//   sub.messages()[0].topic
//
// Thread: the test's thread calls it; callbacks run on libmosquitto's thread
// and only touch `messages_` under the mutex.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <mosquitto.h>
#include <mqtt_protocol.h>

namespace ivy::test {

struct ReceivedMqtt {
  std::string topic;
  std::string payload;
  int qos = 0;
  std::vector<std::pair<std::string, std::string>> user_properties;

  std::optional<std::string> user(const std::string& name) const {
    for (const auto& [k, v] : user_properties) {
      if (k == name) return v;
    }
    return std::nullopt;
  }
};

class MqttTestClient {
 public:
  struct Options {
    std::string client_id;              // "" = random, clean session
    std::uint32_t session_expiry = 0;   // > 0: a persistent session (needs client_id)
    std::string username, password;
  };

  MqttTestClient() : MqttTestClient(Options{}) {}
  explicit MqttTestClient(Options options) : options_(std::move(options)) {
    mosquitto_lib_init();
    const bool clean = options_.session_expiry == 0;
    mosq_ = mosquitto_new(options_.client_id.empty() ? nullptr : options_.client_id.c_str(), clean, this);
    mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
    mosquitto_message_v5_callback_set(mosq_, &MqttTestClient::on_message);
    mosquitto_connect_v5_callback_set(mosq_, &MqttTestClient::on_connect);
    if (!options_.username.empty()) {
      mosquitto_username_pw_set(mosq_, options_.username.c_str(), options_.password.c_str());
    }
  }
  ~MqttTestClient() {
    disconnect();
    mosquitto_destroy(mosq_);
    mosquitto_lib_cleanup();
  }
  MqttTestClient(const MqttTestClient&) = delete;
  MqttTestClient& operator=(const MqttTestClient&) = delete;

  // Connects (blocking, loopback) and starts the network thread; true once
  // the broker accepted (CONNACK), within 5 s.
  bool connect(std::uint16_t port) {
    mosquitto_property* props = nullptr;
    if (options_.session_expiry) {
      mosquitto_property_add_int32(&props, MQTT_PROP_SESSION_EXPIRY_INTERVAL, options_.session_expiry);
    }
    const int rc = mosquitto_connect_bind_v5(mosq_, "127.0.0.1", port, 30, nullptr, props);
    mosquitto_property_free_all(&props);
    if (rc != MOSQ_ERR_SUCCESS) return false;
    if (!looping_) looping_ = mosquitto_loop_start(mosq_) == MOSQ_ERR_SUCCESS;
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(5), [&] { return connected_; });
  }
  void disconnect() {
    mosquitto_disconnect(mosq_);
    if (looping_) mosquitto_loop_stop(mosq_, false);
    looping_ = false;
    std::lock_guard lock(mutex_);
    connected_ = false;
  }

  // Subscribes and waits a moment for the SUBACK to be sure it applies.
  bool subscribe(const std::string& filter, int qos = 1) {
    int mid = 0;
    if (mosquitto_subscribe_v5(mosq_, &mid, filter.c_str(), qos, 0, nullptr) != MOSQ_ERR_SUCCESS) return false;
    // A round trip through the broker: once our own ping-like publish on a
    // private topic comes back, the subscription before it is in place.
    const std::string probe = "ivyd-test/subscribed/" + std::to_string(reinterpret_cast<std::uintptr_t>(this));
    mosquitto_subscribe_v5(mosq_, nullptr, probe.c_str(), 1, 0, nullptr);
    mosquitto_publish_v5(mosq_, nullptr, probe.c_str(), 2, "ok", 1, false, nullptr);
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(5), [&] { return probes_ > 0 && (--probes_, true); });
  }

  bool publish(const std::string& topic, const std::string& payload, int qos = 1,
               const std::vector<std::pair<std::string, std::string>>& user_properties = {}) {
    mosquitto_property* props = nullptr;
    for (const auto& [k, v] : user_properties) {
      mosquitto_property_add_string_pair(&props, MQTT_PROP_USER_PROPERTY, k.c_str(), v.c_str());
    }
    const int rc = mosquitto_publish_v5(mosq_, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                                        payload.data(), qos, false, props);
    mosquitto_property_free_all(&props);
    return rc == MOSQ_ERR_SUCCESS;
  }

  // True once at least `count` messages arrived (within `timeout`).
  bool wait_for(std::size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return messages_.size() >= count; });
  }
  std::vector<ReceivedMqtt> messages() const {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return messages_.size();
  }
  bool session_present() const {
    std::lock_guard lock(mutex_);
    return session_present_;
  }

 private:
  static void on_connect(mosquitto*, void* self, int rc, int flags, const mosquitto_property*) {
    auto& c = *static_cast<MqttTestClient*>(self);
    std::lock_guard lock(c.mutex_);
    c.connected_ = rc == 0;
    c.session_present_ = (flags & 1) != 0;
    c.changed_.notify_all();
  }
  static void on_message(mosquitto*, void* self, const mosquitto_message* m, const mosquitto_property* props) {
    auto& c = *static_cast<MqttTestClient*>(self);
    ReceivedMqtt r;
    r.topic = m->topic;
    r.payload.assign(static_cast<const char*>(m->payload), m->payload ? m->payloadlen : 0);
    r.qos = m->qos;
    const mosquitto_property* at = props;
    for (bool skip = false; at; skip = true) {
      char* k = nullptr;
      char* v = nullptr;
      at = mosquitto_property_read_string_pair(at, MQTT_PROP_USER_PROPERTY, &k, &v, skip);
      if (at && k && v) r.user_properties.emplace_back(k, v);
      std::free(k);
      std::free(v);
    }
    std::lock_guard lock(c.mutex_);
    if (r.topic.rfind("ivyd-test/subscribed/", 0) == 0) ++c.probes_;
    else c.messages_.push_back(std::move(r));
    c.changed_.notify_all();
  }

  Options options_;
  mosquitto* mosq_ = nullptr;
  bool looping_ = false;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool connected_ = false;
  bool session_present_ = false;
  int probes_ = 0;
  std::vector<ReceivedMqtt> messages_;
};

}  // namespace ivy::test
