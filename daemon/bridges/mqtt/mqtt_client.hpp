#pragma once
// MqttClient: one libmosquitto client, kept connected to one MQTT broker,
// run by the daemon's io_context (no thread of libmosquitto's own).
//
// libmosquitto is driven the way its own mosquitto_loop() drives it, with
// Asio in place of select(): the socket (a dup of mosquitto_socket(), so that
// Asio's epoll registration never outlives or confuses the library's fd) is
// watched for reading always and for writing while mosquitto_want_write();
// readiness calls mosquitto_loop_read / mosquitto_loop_write, and a 1 s
// timer calls mosquitto_loop_misc (keepalive pings). Asio watches edges, so
// a read wait is armed only when nothing is left to read, in the kernel or
// in OpenSSL's buffer (checked with one recv(MSG_PEEK) when libmosquitto's
// last read found nothing), and a write wait only after a write that would
// block. Reading stops after a burst of packets to let the buses run.
//
// The process must ignore SIGPIPE (ivyd does): libmosquitto writes with
// write(), not send(MSG_NOSIGNAL).
//
//   start() -> resolve -> connect (TCP, TLS, CONNECT) --CONNACK ok--> connected
//                 ^                    |  fail / timeout / refused      |  lost
//                 +---- backoff <------+--------------------------------+
//
// The protocol is MQTT 5: subscriptions are made with "no local" (the broker
// never sends us our own publications) and "retain never" (a retained
// message is state, and would be emitted on the bus again at every
// reconnection), on every (re)connection. QoS 1 and 2 messages published
// and not yet acknowledged stay in libmosquitto across reconnections and are
// sent again; QoS 0 messages not yet written when the connection drops are
// lost (counting them is the caller's business: on_published never comes).
//
// Name resolution: the host is resolved off the loop (Asio's resolver)
// before each attempt. For mqtt:// the address found is what libmosquitto
// connects to. For mqtts:// libmosquitto gets the name, which the broker's
// certificate is checked against, and resolves it again itself (blocking,
// but right after the first answer); use an IP address or /etc/hosts where
// DNS is slow.
//
// Failures are values: start() fails only for what no retry can fix (a
// file that cannot be read, a client id libmosquitto refuses). Connection
// failures are logged (the first of an outage as a warning, repeats at
// debug level), kept as last_error() and retried with a jittered backoff
// (core/backoff.hpp) forever.
//
// Thread: the io_context thread. Handlers are called from inside
// libmosquitto's callbacks: they may publish, but must not stop or destroy
// the client. stop() (or the destructor) sends DISCONNECT if connected and
// releases everything; a stopped client is not restarted.

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/broker_url.hpp"
#include "core/backoff.hpp"
#include "core/result.hpp"
#include "daemon/asio.hpp"
#include "daemon/log.hpp"

struct mosquitto;
struct mosquitto_message;
struct mqtt5__property;

namespace ivy::daemon {

using MqttUserProperties = std::vector<std::pair<std::string, std::string>>;

// The MQTT 5 properties of a received message, read on demand.
class MqttProperties {
 public:
  explicit MqttProperties(const mqtt5__property* list) : list_(list) {}
  // The value of the first user property called `name`.
  std::optional<std::string> user(std::string_view name) const;

 private:
  const mqtt5__property* list_;
};

struct MqttClientOptions {
  std::string label;  // for logs: "bridge 'to-broker'"
  config::BrokerUrl broker;
  std::string client_id;
  std::string username;                      // "" = none
  std::optional<std::string> password;       // with username
  std::string ca_file;                       // mqtts: "" = the system's CAs
  std::string cert_file, key_file;           // mqtts client certificate, optional
  std::chrono::seconds keepalive{30};        // 5-65535
  std::uint32_t session_expiry_seconds = 0;  // 0: clean session
  std::uint32_t max_packet_bytes = 0;  // asked of the broker for what it sends us; 0: no limit
  std::vector<std::string> subscribe;  // topic filters, subscribed on each connection
  int qos = 1;                         // of the subscriptions
  std::chrono::milliseconds reconnect_min{1000};
  std::chrono::milliseconds reconnect_max{30000};
  std::chrono::milliseconds connect_timeout{10000};  // until CONNACK
};

class MqttClient {
 public:
  struct Handler {
    std::function<void(bool session_present)> on_connected;
    // The connection that on_connected announced is gone (not: an attempt failed).
    std::function<void(const std::string& why)> on_lost;
    std::function<void(std::string_view topic, std::string_view payload, const MqttProperties&)>
        on_message;
    // Message `mid` is done: written (QoS 0) or acknowledged (QoS 1, 2).
    std::function<void(int mid)> on_published;
  };

  enum class State { kIdle, kResolving, kConnecting, kConnected, kWaiting, kStopped };

  struct Counters {
    std::uint64_t connects = 0;               // CONNACK accepted
    std::uint64_t connect_failures = 0;       // attempts that did not end in a connection
    std::uint64_t refused = 0;                // CONNACK refused (credentials, client id...)
    std::uint64_t lost = 0;                   // connections lost after CONNACK
    std::uint64_t publish_refused = 0;        // PUBACK with a failure reason (QoS 1, 2)
    std::uint64_t subscriptions_refused = 0;  // SUBACK with a failure reason
  };

  MqttClient(asio::io_context& io, MqttClientOptions options, Logger& log, Handler handler);
  ~MqttClient();
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  Status start();
  void stop();

  // Hands one message to libmosquitto; its message id, or why not (not
  // connected, payload too large, a topic or property MQTT refuses). A
  // message whose write fails with the connection is taken (its id
  // returned): QoS 1 and 2 ones are sent again after the reconnection.
  Result<int> publish(const std::string& topic, std::string_view payload, int qos,
                      const MqttUserProperties& properties);

  State state() const { return state_; }
  bool connected() const { return state_ == State::kConnected; }
  // "connected", "connecting", "waiting to reconnect"...
  std::string state_text() const;
  const std::string& last_error() const { return last_error_; }
  const Counters& counters() const { return counters_; }
  const MqttClientOptions& options() const { return options_; }

 private:
  static void on_connect_cb(mosquitto*, void* self, int rc, int flags, const mqtt5__property*);
  static void on_disconnect_cb(mosquitto*, void* self, int rc, const mqtt5__property*);
  static void on_publish_cb(mosquitto*, void* self, int mid, int reason, const mqtt5__property*);
  static void on_message_cb(mosquitto*, void* self, const mosquitto_message*,
                            const mqtt5__property*);
  static void on_subscribe_cb(mosquitto*, void* self, int mid, int count, const int* granted,
                              const mqtt5__property*);
  static void on_log_cb(mosquitto*, void* self, int level, const char* text);

  // Marks libmosquitto's callbacks: inside them the library holds its
  // packet locks, so nothing may call mosquitto_loop_write (publish() queues).
  // On the way out it clears errno, which the handlers' own socket calls
  // (an Ivy write that would block) may have set: after mosquitto_loop_read,
  // EAGAIN must mean that libmosquitto's last read found nothing.
  struct CallbackScope {
    explicit CallbackScope(MqttClient& c) : client(c) { ++client.callback_depth_; }
    ~CallbackScope() {
      --client.callback_depth_;
      errno = 0;
    }
    MqttClient& client;
  };
  enum class Input { kNone, kData, kClosed };

  Status configure();
  Status set_connect_properties();
  void attempt();
  void connect_to(const std::string& host);
  Status watch_socket();
  void wait_readable();
  void on_readable();
  void service_write();
  void schedule_misc();
  Input input();
  bool still(std::uint64_t serial) const;
  void connected(int flags);
  void lost(const std::string& why);
  void attempt_failed(const std::string& why);
  void lost_or_failed(const std::string& why);
  void close_socket();
  void schedule_retry();
  std::string describe(int rc, int saved_errno) const;

  asio::io_context& io_;
  MqttClientOptions options_;
  Logger& log_;
  Handler handler_;
  mosquitto* mosq_ = nullptr;
  State state_ = State::kIdle;
  asio::posix::stream_descriptor socket_;
  tcp::resolver resolver_;
  asio::steady_timer retry_timer_;
  asio::steady_timer connect_timer_;
  asio::steady_timer misc_timer_;
  std::uint64_t connection_ = 0;  // serial of the current attempt; stale handlers see another
  bool read_waiting_ = false;
  bool write_waiting_ = false;
  Backoff backoff_;
  std::mt19937_64 random_{std::random_device{}()};
  std::string last_error_;
  std::string last_warned_;    // the failure last logged as a warning
  std::string library_error_;  // libmosquitto's last error log line of this attempt (TLS details)
  std::string refusal_;        // why the broker refused this attempt's CONNECT
  int callback_depth_ = 0;
  std::map<int, std::string> pending_subscriptions_;  // SUBSCRIBE mid -> filter
  Counters counters_;
  std::shared_ptr<int> life_ = std::make_shared<int>(0);
};

}  // namespace ivy::daemon
