// MqttClient: connecting and reconnecting. The socket side (readiness,
// reads, writes) is in mqtt_client_io.cpp, libmosquitto's callbacks in
// mqtt_client_callbacks.cpp.
#include "daemon/bridges/mqtt/mqtt_client.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>

#include <mosquitto.h>
#include <mqtt_protocol.h>

namespace ivy::daemon {
namespace {

constexpr int kReceiveMaximum = 100;

// Once per process: it sets up OpenSSL and libmosquitto's random source.
void init_library() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

Status check_readable(const char* key, const std::string& path) {
  if (path.empty() || std::ifstream(path)) return {};
  return fail(std::string("cannot read ") + key + " '" + path + "': " + std::strerror(errno));
}

std::string seconds_text(std::chrono::milliseconds ms) {
  return std::to_string(ms.count() / 1000) +
         (ms.count() % 1000 ? "." + std::to_string(ms.count() % 1000 / 100) : "") + " s";
}

}  // namespace

MqttClient::MqttClient(asio::io_context& io, MqttClientOptions options, Logger& log,
                       Handler handler)
    : io_(io),
      options_(std::move(options)),
      log_(log),
      handler_(std::move(handler)),
      socket_(io),
      resolver_(io),
      retry_timer_(io),
      connect_timer_(io),
      misc_timer_(io),
      backoff_(options_.reconnect_min, options_.reconnect_max) {}

MqttClient::~MqttClient() { stop(); }

Status MqttClient::start() {
  init_library();
  mosq_ = mosquitto_new(options_.client_id.c_str(), options_.session_expiry_seconds == 0, this);
  if (!mosq_)
    return fail(options_.label + ": cannot create an MQTT client: " + std::strerror(errno));
  if (auto st = configure(); !st) {
    mosquitto_destroy(mosq_);
    mosq_ = nullptr;
    state_ = State::kStopped;
    return fail(options_.label + ": " + st.error().message);
  }
  asio::post(io_, [this, life = std::weak_ptr<int>(life_)] {
    if (!life.expired()) attempt();
  });
  return {};
}

Status MqttClient::configure() {
  mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  mosquitto_int_option(mosq_, MOSQ_OPT_TCP_NODELAY, 1);  // as TcpPeer: lag over throughput
  // QoS 1/2 messages the broker may send us unacknowledged (MQTT 5 receive
  // maximum; libmosquitto's default is 20). We acknowledge each as soon as it
  // is read, so a deeper window saves round trips; much deeper costs more
  // than it saves (mosquitto walks its in-flight lists: tests/bench/mqtt_bench).
  mosquitto_int_option(mosq_, MOSQ_OPT_RECEIVE_MAXIMUM, kReceiveMaximum);
  mosquitto_connect_v5_callback_set(mosq_, on_connect_cb);
  mosquitto_disconnect_v5_callback_set(mosq_, on_disconnect_cb);
  mosquitto_publish_v5_callback_set(mosq_, on_publish_cb);
  mosquitto_message_v5_callback_set(mosq_, on_message_cb);
  mosquitto_subscribe_v5_callback_set(mosq_, on_subscribe_cb);
  if (!options_.username.empty()) {
    const char* password = options_.password ? options_.password->c_str() : nullptr;
    if (int rc = mosquitto_username_pw_set(mosq_, options_.username.c_str(), password);
        rc != MOSQ_ERR_SUCCESS) {
      return fail(std::string("username: ") + mosquitto_strerror(rc));
    }
  }
  if (options_.broker.tls) {
    for (const auto& [key, path] :
         {std::pair<const char*, const std::string&>{"ca_file", options_.ca_file},
          {"cert_file", options_.cert_file},
          {"key_file", options_.key_file}}) {
      if (auto st = check_readable(key, path); !st) return st;
    }
    if (options_.ca_file.empty()) mosquitto_int_option(mosq_, MOSQ_OPT_TLS_USE_OS_CERTS, 1);
    auto or_null = [](const std::string& s) { return s.empty() ? nullptr : s.c_str(); };
    const int rc =
        mosquitto_tls_set(mosq_, or_null(options_.ca_file), nullptr, or_null(options_.cert_file),
                          or_null(options_.key_file), nullptr);
    if (rc != MOSQ_ERR_SUCCESS) return fail(std::string("TLS settings: ") + mosquitto_strerror(rc));
  }
  return set_connect_properties();
}

// libmosquitto 2.0 takes CONNECT properties only in its blocking connect,
// mosquitto_connect_bind_v5, which stores them before it checks its other
// arguments; every later connect (connect_bind_async) sends the stored ones.
// Port -1 stores them and returns MOSQ_ERR_INVAL at once, with no I/O. The
// MqttClient tests check that both properties reach the broker.
Status MqttClient::set_connect_properties() {
  mosquitto_property* properties = nullptr;
  if (options_.session_expiry_seconds > 0) {
    mosquitto_property_add_int32(&properties, MQTT_PROP_SESSION_EXPIRY_INTERVAL,
                                 options_.session_expiry_seconds);
  }
  if (options_.max_packet_bytes > 0) {
    mosquitto_property_add_int32(&properties, MQTT_PROP_MAXIMUM_PACKET_SIZE,
                                 options_.max_packet_bytes);
  }
  if (!properties) return {};
  const int rc = mosquitto_connect_bind_v5(
      mosq_, "localhost", -1, static_cast<int>(options_.keepalive.count()), nullptr, properties);
  mosquitto_property_free_all(&properties);
  if (rc != MOSQ_ERR_INVAL)
    return fail(std::string("connect properties: ") + mosquitto_strerror(rc));
  return {};
}

void MqttClient::stop() {
  if (state_ == State::kStopped) return;
  const bool was_connected = state_ == State::kConnected;
  state_ = State::kStopped;
  resolver_.cancel();
  retry_timer_.cancel();
  close_socket();
  if (!mosq_) return;
  if (was_connected) mosquitto_disconnect(mosq_);  // written at once if the socket takes it
  mosquitto_destroy(mosq_);
  mosq_ = nullptr;
}

void MqttClient::attempt() {
  if (state_ == State::kStopped || !mosq_) return;
  ++connection_;
  state_ = State::kResolving;
  library_error_.clear();
  refusal_.clear();
  mosquitto_log_callback_set(
      mosq_, on_log_cb);  // for TLS details; off once connected (it formats every packet)
  const std::string& host = options_.broker.host;
  error_code ec;
  asio::ip::make_address(host, ec);
  if (!ec) {
    connect_to(host);
    return;
  }
  resolver_.async_resolve(
      host, std::to_string(options_.broker.port),
      [this, life = std::weak_ptr<int>(life_), serial = connection_](
          const error_code& e, const tcp::resolver::results_type& results) {
        if (life.expired() || serial != connection_ || state_ != State::kResolving) return;
        if (e || results.empty()) {
          attempt_failed("cannot resolve '" + options_.broker.host + "': " + e.message());
          return;
        }
        // mqtts: the name, which the certificate is checked against.
        connect_to(options_.broker.tls ? options_.broker.host
                                       : results.begin()->endpoint().address().to_string());
      });
}

void MqttClient::connect_to(const std::string& host) {
  state_ = State::kConnecting;
  errno = 0;
  const int rc =
      mosquitto_connect_bind_async(mosq_, host.c_str(), options_.broker.port,
                                   static_cast<int>(options_.keepalive.count()), nullptr);
  if (rc != MOSQ_ERR_SUCCESS) {
    attempt_failed(describe(rc, errno));
    return;
  }
  if (auto st = watch_socket(); !st) {
    attempt_failed(st.error().message);
    return;
  }
  connect_timer_.expires_after(options_.connect_timeout);
  connect_timer_.async_wait([this, life = std::weak_ptr<int>(life_),
                             serial = connection_](const error_code& ec) {
    if (ec || life.expired() || serial != connection_ || state_ != State::kConnecting) return;
    attempt_failed("no answer from the broker within " + seconds_text(options_.connect_timeout));
  });
  schedule_misc();
  service_write();  // the CONNECT packet, or the first flight of the TLS handshake
  wait_readable();
}

void MqttClient::connected(int flags) {
  state_ = State::kConnected;
  connect_timer_.cancel();
  backoff_.reset();
  ++counters_.connects;
  last_error_.clear();
  last_warned_.clear();
  mosquitto_log_callback_set(mosq_, nullptr);
  const bool session_present = (flags & 1) != 0;
  log_.notice(options_.label + ": connected to " + options_.broker.to_string() + " as '" +
              options_.client_id + "'" + (session_present ? " (session resumed)" : ""));
  pending_subscriptions_.clear();
  const int options = MQTT_SUB_OPT_NO_LOCAL | MQTT_SUB_OPT_SEND_RETAIN_NEVER;
  for (const auto& filter : options_.subscribe) {
    int mid = 0;
    const int rc =
        mosquitto_subscribe_v5(mosq_, &mid, filter.c_str(), options_.qos, options, nullptr);
    if (rc == MOSQ_ERR_SUCCESS)
      pending_subscriptions_[mid] = filter;
    else
      log_.warning(options_.label + ": cannot subscribe to '" + filter +
                   "': " + mosquitto_strerror(rc));
  }
  if (handler_.on_connected) handler_.on_connected(session_present);
}

void MqttClient::lost(const std::string& why) {
  if (state_ != State::kConnected) return;
  ++counters_.lost;
  last_error_ = why;
  last_warned_.clear();  // the first failed attempt of this outage is a warning
  log_.warning(options_.label + ": connection to " + options_.broker.to_string() + " lost: " + why);
  close_socket();
  state_ = State::kWaiting;
  if (handler_.on_lost) handler_.on_lost(why);
  schedule_retry();
}

void MqttClient::attempt_failed(const std::string& why) {
  if (state_ != State::kResolving && state_ != State::kConnecting) return;
  ++counters_.connect_failures;
  last_error_ = why;
  const std::string line =
      options_.label + ": cannot connect to " + options_.broker.to_string() + ": " + why;
  if (why != last_warned_)
    log_.warning(line);
  else
    log_.debug(line);
  last_warned_ = why;
  close_socket();
  state_ = State::kWaiting;
  schedule_retry();
}

void MqttClient::schedule_retry() {
  if (state_ == State::kStopped) return;
  const auto delay = backoff_.next(std::uniform_real_distribution<double>(0.0, 1.0)(random_));
  log_.debug(options_.label + ": next attempt in " + std::to_string(delay.count()) + " ms");
  retry_timer_.expires_after(delay);
  retry_timer_.async_wait([this, life = std::weak_ptr<int>(life_)](const error_code& ec) {
    if (!ec && !life.expired()) attempt();
  });
}

std::string MqttClient::describe(int rc, int saved_errno) const {
  if (!refusal_.empty()) return refusal_;
  if (rc == MOSQ_ERR_ERRNO) return saved_errno ? std::strerror(saved_errno) : "connection error";
  if (rc == MOSQ_ERR_TLS || rc == MOSQ_ERR_TLS_HANDSHAKE) {
    return "TLS: " + (library_error_.empty() ? std::string("handshake failed") : library_error_);
  }
  if (rc == MOSQ_ERR_CONN_LOST) return "connection closed by the broker";
  return mosquitto_strerror(rc);
}

std::string MqttClient::state_text() const {
  switch (state_) {
    case State::kIdle:
      return "starting";
    case State::kResolving:
    case State::kConnecting:
      return "connecting";
    case State::kConnected:
      return "connected";
    case State::kWaiting:
      return "waiting to reconnect";
    case State::kStopped:
      return "stopped";
  }
  return "?";
}

}  // namespace ivy::daemon
