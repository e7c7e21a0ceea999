#include "daemon/bridges/mqtt/mqtt_bridge.hpp"

#include "core/mqtt_payload.hpp"
#include "core/mqtt_topic.hpp"
#include "daemon/bridges/remote_inbound.hpp"

namespace ivy::daemon {
namespace {

// Messages handed to libmosquitto and not yet done, at most: MQTT message
// ids are 16-bit, and one id must never stand for two of our messages.
constexpr std::size_t kMaxInFlight = 16384;

// The MQTT 5 user properties of every message we publish.
constexpr const char* kOriginProperty = "ivyd-origin";  // "<instance id> <bus id>"
constexpr const char* kSenderProperty = "ivy-sender";   // the Ivy agent

std::int64_t system_wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

MqttBridge::MqttBridge(asio::io_context& io, MqttBridgeOptions options, BusPort local, Logger& log,
                       BridgeHooks hooks)
    : io_(io),
      options_(std::move(options)),
      port_(std::move(local)),
      log_(log),
      hooks_(std::move(hooks)),
      origin_(mqtt_utf8(options_.instance_id + " " + port_.id)),
      queue_(options_.outage_buffer_bytes) {
  broker_.url = options_.client.broker.to_string();
  broker_.client_id = options_.client.client_id;
  properties_ = {{kOriginProperty, origin_}, {kSenderProperty, ""}};
}

MqttBridge::~MqttBridge() { stop(); }

Status MqttBridge::start() {
  const std::string label = "bridge '" + options_.id + "'";
  auto policy = BridgePolicy::create(options_.policy);
  if (!policy) return fail(label + ": " + policy.error().message);
  policy_.emplace(std::move(*policy));
  BusSide::Handler side_handler;
  side_handler.on_text = [this](const std::string& agent, const std::string& text) {
    on_local_text(agent, text);
  };
  side_ = std::make_unique<BusSide>(io_, port_,
                                    BusSideOptions{options_.local_name, options_.first_peer_key},
                                    log_, std::move(side_handler));
  if (auto st = side_->start(); !st) {
    side_.reset();
    return fail(label + ": " + st.error().message);
  }
  MqttClient::Handler handler;
  handler.on_connected = [this](bool) { on_connected(); };
  handler.on_lost = [this](const std::string&) { on_lost(); };
  handler.on_message = [this](std::string_view topic, std::string_view payload,
                              const MqttProperties& properties) {
    on_broker_message(topic, payload, properties);
  };
  handler.on_published = [this](int mid) { on_published(mid); };
  MqttClientOptions client = options_.client;
  client.label = label;
  if (!policy_->carries(BridgeFlow::kIn)) client.subscribe.clear();
  client_ = std::make_unique<MqttClient>(io_, std::move(client), log_, std::move(handler));
  if (auto st = client_->start(); !st) {
    stop();
    return st;
  }
  running_ = true;
  log_.notice(label + ": bus '" + port_.id + "' <-> broker " + broker_.url);
  return {};
}

void MqttBridge::stop() {
  running_ = false;
  if (client_) client_->stop();
  if (side_) side_->stop();
  side_.reset();
}

// --- out: bus -> broker --------------------------------------------------------

void MqttBridge::on_local_text(const std::string& origin_agent, const std::string& text) {
  auto decided = policy_->decide(BridgeFlow::kOut, text, MessageSource::kAgent);
  if (!decided) {
    if (decided.error() != SkipReason::kDirection) ++counters_.filtered;
    return;
  }
  ++counters_.carried_out;
  enqueue(make_outgoing(origin_agent, std::move(*decided)));
}

MqttBridge::Outgoing MqttBridge::make_outgoing(const std::string& sender, std::string text) const {
  Outgoing m;
  m.topic = mqtt_topic(options_.topic_prefix, text);
  m.sender = sender;
  if (options_.payload == MqttPayloadFormat::kJson) {
    const std::int64_t now = options_.wall_ns ? options_.wall_ns() : system_wall_ns();
    m.payload = encode_mqtt_json({std::move(text), sender, port_.id, options_.site, now});
  } else {
    m.payload = std::move(text);
  }
  return m;
}

// Straight to the broker when nothing waits before it and there is room in
// flight; otherwise at the back of the queue, whose oldest go when it is full.
void MqttBridge::enqueue(Outgoing message) {
  if (client_->connected() && queue_.empty() && room_for(message)) {
    publish(message);
    return;
  }
  counters_.outage_dropped += queue_.push(std::move(message));
}

// Like TcpPeer's queue: nothing in flight always takes one, however large.
bool MqttBridge::room_for(const Outgoing& message) const {
  return in_flight_.size() < kMaxInFlight &&
         (in_flight_bytes_ == 0 ||
          in_flight_bytes_ + message.bytes() <= options_.max_in_flight_bytes);
}

void MqttBridge::drain() {
  while (client_ && client_->connected() && !queue_.empty() && room_for(queue_.front())) {
    publish(queue_.pop());
  }
}

void MqttBridge::publish(const Outgoing& message) {
  properties_[1].second = is_mqtt_utf8(message.sender) ? message.sender : mqtt_utf8(message.sender);
  publishing_ = true;
  published_at_once_ = false;
  auto mid = client_->publish(message.topic, message.payload, options_.qos, properties_);
  publishing_ = false;
  if (!mid) {
    if (broker_.publish_errors++ == 0) {
      log_.warning("bridge '" + options_.id + "': cannot publish to '" + message.topic +
                   "': " + mid.error().message + " (further errors are only counted)");
    }
    return;
  }
  ++broker_.published;
  if (published_at_once_) {  // QoS 0, written before publish() returned
    ++broker_.acknowledged;
    return;
  }
  in_flight_[*mid] = message.bytes();
  in_flight_bytes_ += message.bytes();
}

void MqttBridge::on_published(int mid) {
  const auto it = in_flight_.find(mid);
  if (it == in_flight_.end()) {
    // Not in flight yet: the message publish() is handing over right now.
    if (publishing_) published_at_once_ = true;
    return;
  }
  in_flight_bytes_ -= it->second;
  in_flight_.erase(it);
  ++broker_.acknowledged;
  if (!publishing_) drain();
}

void MqttBridge::on_connected() {
  if (!queue_.empty()) {
    log_.info("bridge '" + options_.id + "': sending " + std::to_string(queue_.size()) +
              " messages kept while the broker was away");
  }
  drain();
}

// QoS 1 and 2 messages in flight stay with libmosquitto, which sends them
// again after the reconnection; QoS 0 ones not yet written are gone.
void MqttBridge::on_lost() {
  if (options_.qos != 0) return;
  counters_.outage_dropped += in_flight_.size();
  in_flight_.clear();
  in_flight_bytes_ = 0;
}

// --- in: broker -> bus ---------------------------------------------------------

void MqttBridge::on_broker_message(std::string_view topic, std::string_view payload,
                                   const MqttProperties& properties) {
  ++broker_.received;
  if (const auto origin = properties.user(kOriginProperty); origin && *origin == origin_) {
    ++broker_.echoes;  // ours, back from the broker (no-local already keeps these away)
    return;
  }
  if (options_.payload == MqttPayloadFormat::kJson) {
    if (auto message = decode_mqtt_json(payload)) {
      emit(topic, std::move(message->text), std::move(message->sender));
      return;
    }
  }
  emit(topic, std::string(payload), properties.user(kSenderProperty).value_or(""));
}

void MqttBridge::emit(std::string_view topic, std::string text, std::string sender) {
  const std::string origin_agent = sender.empty() ? "mqtt" : std::move(sender);
  const std::string origin_bus = "mqtt:" + std::string(topic);
  const std::string path = "mqtt:" + options_.id;
  deliver_remote({options_.id, port_.id, *policy_, options_.mode, hooks_}, side_.get(),
                 {text, origin_bus, origin_agent, path}, counters_);
}

BridgeStatus MqttBridge::status() const {
  BridgeStatus s;
  s.id = options_.id;
  s.type = "mqtt";
  s.state = running_ && client_ ? client_->state_text() : "stopped";
  s.local_bus = port_.id;
  s.far = broker_.url;
  s.counters = counters_;
  s.counters.buffered = queue_.size();
  BrokerStatus b = broker_;
  b.state = s.state;
  b.in_flight = in_flight_.size();
  if (client_) {
    const auto& c = client_->counters();
    s.counters.connects = c.connects;
    s.counters.rejected = c.refused;
    b.last_error = client_->last_error();
    b.connect_failures = c.connect_failures;
    b.lost = c.lost;
    b.subscriptions_refused = c.subscriptions_refused;
    b.publish_errors += c.publish_refused;
  }
  if (side_) {
    s.counters.from_bridge_agents = side_->from_bridge_agents();
    if (options_.mode == BridgeMode::kInterest)
      s.interest_patterns = side_->interest().patterns().size();
  }
  s.broker = std::move(b);
  return s;
}

}  // namespace ivy::daemon
