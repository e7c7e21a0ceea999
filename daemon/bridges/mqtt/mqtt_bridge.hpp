#pragma once
// MqttBridge: an Ivy <-> MQTT gateway (docs/bridge.md, "MQTT"). The local
// side is a BusSide on the local bus; the far side is an MQTT broker,
// reached through an MqttClient.
//
//   local bus --tap--> policy(out) --> topic, payload --> [queue] --> broker
//   local bus <--emitter-- policy(in) <-- dedup <-- echo check <-- broker
//
// Out: a message T that passes the policy is published to
// `<topic_prefix>/<first word of T>` (core/mqtt_topic.hpp) with T as the
// payload, or the JSON of core/mqtt_payload.hpp, and two MQTT 5 user
// properties: `ivyd-origin` = "<instance id> <bus id>" and `ivy-sender` =
// the Ivy agent that sent it.
//
// In: a message on one of the `subscribe` filters is emitted on the bus as
// its payload text (with `"payload": "json"`, the "text" of a JSON payload
// that has one). Never twice: the broker does not send us our own
// publications (no-local), a message whose `ivyd-origin` is this bridge's
// own is dropped all the same (counted as an echo), the dedup window of the
// bus is asked, and what our emitter sends is never carried out again (it
// is our bus agent, or holds the bridge marker).
//
// Queue: messages wait, in order, while the broker is not connected (the
// outage buffer, `outage_buffer_bytes`: when full the oldest are dropped and
// counted) and while more than `max_in_flight_bytes` are handed to
// libmosquitto and not yet written or acknowledged (so a slow broker cannot
// grow ivyd without bound). QoS 1/2 messages in flight when the connection
// drops are sent again by libmosquitto after the reconnection; QoS 0 ones
// are lost and counted as dropped. Nothing ever blocks the bus.
//
// Ownership: the BusPort must outlive the bridge. Everything runs on the
// io_context thread; stop() disconnects and cancels everything.

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/bridge_policy.hpp"
#include "core/outage_buffer.hpp"
#include "daemon/bridges/bridge_types.hpp"
#include "daemon/bridges/bus_side.hpp"
#include "daemon/bridges/mqtt/mqtt_client.hpp"

namespace ivy::daemon {

enum class MqttPayloadFormat { kText, kJson };

struct MqttBridgeOptions {
  std::string id;
  BridgePolicyOptions policy;
  BridgeMode mode = BridgeMode::kAll;  // interest: in-messages only if a local agent wants them
  std::string local_name;              // our emitter on the bus; "" = the bus agent
  std::string instance_id;             // this ivyd (host, pid, start time)
  std::string topic_prefix;            // out
  int qos = 1;
  MqttPayloadFormat payload = MqttPayloadFormat::kText;
  std::string site;  // the JSON payload's "site"
  std::uint64_t outage_buffer_bytes = 1024 * 1024;
  std::uint64_t max_in_flight_bytes = 8 * 1024 * 1024;
  MqttClientOptions client;    // broker, credentials, subscribe filters...
  PeerKey first_peer_key = 0;  // for a dedicated emitter
  // Wall-clock time for the JSON payload, ns since the epoch; empty = the
  // system clock.
  std::function<std::int64_t()> wall_ns;
};

class MqttBridge {
 public:
  MqttBridge(asio::io_context& io, MqttBridgeOptions options, BusPort local, Logger& log,
             BridgeHooks hooks = {});
  ~MqttBridge();
  MqttBridge(const MqttBridge&) = delete;
  MqttBridge& operator=(const MqttBridge&) = delete;

  Status start();
  void stop();

  BridgeStatus status() const;
  const MqttBridgeOptions& options() const { return options_; }

 private:
  struct Outgoing {
    std::string topic;
    std::string payload;
    std::string sender;
    std::size_t bytes() const { return topic.size() + payload.size() + sender.size(); }
  };
  struct OutgoingBytes {
    std::size_t operator()(const Outgoing& message) const { return message.bytes(); }
  };

  void on_local_text(const std::string& origin_agent, const std::string& text);
  void on_broker_message(std::string_view topic, std::string_view payload,
                         const MqttProperties& properties);
  void on_published(int mid);
  void on_connected();
  void on_lost();
  Outgoing make_outgoing(const std::string& sender, std::string text) const;
  void enqueue(Outgoing message);
  void drain();
  bool room_for(const Outgoing& message) const;
  void publish(const Outgoing& message);
  void emit(std::string_view topic, std::string text, std::string sender);

  asio::io_context& io_;
  MqttBridgeOptions options_;
  BusPort port_;
  Logger& log_;
  BridgeHooks hooks_;
  std::string origin_;             // our ivyd-origin property: "<instance id> <bus id>"
  MqttUserProperties properties_;  // origin and sender of the message being published
  std::optional<BridgePolicy> policy_;
  std::unique_ptr<BusSide> side_;
  std::unique_ptr<MqttClient> client_;
  OutageBuffer<Outgoing, OutgoingBytes> queue_;
  std::unordered_map<int, std::size_t> in_flight_;  // message id -> bytes
  std::uint64_t in_flight_bytes_ = 0;
  bool publishing_ = false;         // inside client_->publish()
  bool published_at_once_ = false;  // ...and libmosquitto already reported it done
  bool running_ = false;
  BridgeCounters counters_;
  BrokerStatus broker_;
};

}  // namespace ivy::daemon
