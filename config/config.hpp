#pragma once
// Config: everything ivyd is told to do, as one plain value.
//
// Built by the loader (config_loader.hpp) from JSON, adjusted by the command
// line (cli_overrides.hpp), compared on SIGHUP (config_diff.hpp). It holds no
// resources and does no I/O; copying it is cheap enough for a reload.
//
// Every member initialiser below is the documented default (docs/config.md):
// `Config{}` with one default bus is what ivyd runs on when there is no
// config file at all, see default_config().
//
// Units are in the member names (`_bytes`) or in std::chrono types. A zero
// duration or size means "off" where the comment says so.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/network.hpp"

namespace ivy::config {

// How captured groups are encoded in the MSG frames ivyd sends (§6.4):
// `all-groups` sends every group (unmatched = empty argument); `strict-c`
// leaves out trailing unmatched groups, as ivy-c does.
enum class CaptureMode { kAllGroups, kStrictC };

// What ivyd does when a peer sends it DIE: ignore it, or exit cleanly.
enum class DiePolicy { kIgnore, kExit };

enum class LogLevel { kDebug, kInfo, kNotice, kWarning, kError };

// Bridge direction, seen from the bridge's local bus: `out` re-emits local
// messages on the far side, `in` brings far messages onto the local bus.
enum class BridgeDirection { kIn, kOut, kBoth };

// `all` subscribes to everything on the source side, `interest` forwards only
// what subscribers on the destination side asked for.
enum class BridgeMode { kAll, kInterest };

// `bus`: two buses joined by this ivyd. `link`: this ivyd and another ivyd
// joined over TCP. `mqtt`: a bus and an MQTT broker (a gateway).
enum class BridgeType { kBus, kLink, kMqtt };

// What an mqtt bridge publishes: the message text byte for byte, or a JSON
// object with the text, sender, bus, time and site.
enum class MqttPayload { kText, kJson };

// Which side of an ivyd<->ivyd link opens the TCP connection.
enum class LinkRole { kListen, kDial };

struct BusConfig {
  std::string id = "main";                    // unique; what bridges refer to
  std::string spec = "127.255.255.255:2010";  // Ivy bus spec, [net[,net...]][:port]
  std::string name = "ivyd";                  // agent name announced on the bus
  std::optional<std::string> ready_message;   // sent to each peer after handshake
  DiePolicy die_policy = DiePolicy::kIgnore;
  CaptureMode capture_mode = CaptureMode::kAllGroups;
  bool record = true;                     // record this bus's traffic
  std::vector<std::string> static_peers;  // "host:port" agents dialled directly

  bool operator==(const BusConfig&) const = default;
};

struct RecorderConfig {
  bool enabled = true;
  // Relative paths are resolved by the daemon against its state directory
  // ($STATE_DIRECTORY under systemd, else the working directory).
  std::string path = "ivyd.db";
  std::uint32_t queue_size = 65536;              // messages waiting for the writer thread
  std::uint32_t batch_rows = 2000;               // waiting rows that wake the writer
  std::chrono::milliseconds batch_interval{50};  // write at least this often (<= 100 ms)
  std::uint64_t rotate_bytes = 0;                // start a new file past this size; 0 = off
  std::chrono::seconds rotate_interval{0};       // start a new file this often; 0 = off
  std::chrono::seconds retain_duration{0};       // delete rotated files older than this; 0 = off
  std::uint64_t retain_bytes = 0;                // keep rotated files under this total; 0 = off

  bool operator==(const RecorderConfig&) const = default;
};

// TLS of an ivyd<->ivyd link (docs/bridge.md, "TLS"): each side presents
// its certificate and checks the other's (mutual authentication).
// Fingerprint syntax: config/fingerprint.hpp.
struct LinkTlsConfig {
  std::string cert_file;                       // ours (PEM; intermediates may follow)
  std::string key_file;                        // its private key (PEM, not encrypted)
  std::string ca_file;                         // the far side's must chain to these...
  std::vector<std::string> peer_fingerprints;  // ...and/or be one of these (SHA-256)
  std::string server_name;                     // dialer: the listener's must carry it

  bool operator==(const LinkTlsConfig&) const = default;
};

// TCP settings of an ivyd<->ivyd bridge.
struct LinkConfig {
  LinkRole role = LinkRole::kDial;
  std::string listen;                               // "host:port" to bind (role listen)
  std::vector<std::string> dial;                    // "host:port" tried in order (role dial)
  std::string token;                                // shared secret, inline...
  std::string token_file;                           // ...or read by the daemon from this file
                                                    // (neither: no token; only with tls)
  std::chrono::milliseconds reconnect_min{1000};    // first backoff delay
  std::chrono::milliseconds reconnect_max{30000};   // backoff ceiling (jittered)
  std::chrono::seconds keepalive{5};                // idle ping interval; 0 = off
  std::uint64_t outage_buffer_bytes = 1024 * 1024;  // kept while down; 0 = drop
  std::optional<LinkTlsConfig> tls;                 // absent: plaintext, as before

  bool operator==(const LinkConfig&) const = default;
};

// Broker settings of an Ivy<->MQTT gateway (type mqtt). In the JSON they sit
// in the bridge object itself, beside `bus` (docs/config.md).
struct MqttConfig {
  std::string broker;                   // "mqtt://host[:port]" | "mqtts://host[:port]"
  std::string topic_prefix;             // out: publish to <prefix>/<first word>
  std::vector<std::string> subscribe;   // in: topic filters
  std::uint32_t qos = 1;                // 0 | 1 | 2, for publishing and subscribing
  MqttPayload payload = MqttPayload::kText;
  std::string site;                     // "site" of the JSON payload; "" = host name
  std::string client_id;                // "" = ivyd-<host>-<bridge id>
  std::string username;                 // "" = none
  std::string password_file;            // first line is the password
  std::string ca_file;                  // mqtts: "" = the system's CAs
  std::string cert_file;                // mqtts client certificate...
  std::string key_file;                 // ...and its key
  std::chrono::seconds keepalive{30};   // MQTT keepalive, 5-65535 s
  std::chrono::seconds session_expiry{0};  // 0 = clean session; else persistent this long
  std::chrono::milliseconds reconnect_min{1000};
  std::chrono::milliseconds reconnect_max{30000};
  std::uint64_t outage_buffer_bytes = 1024 * 1024;  // kept while disconnected; 0 = drop

  bool operator==(const MqttConfig&) const = default;
};

struct BridgeConfig {
  std::string id;  // unique, required
  bool enabled = true;
  BridgeType type = BridgeType::kBus;
  std::string bus;       // local bus id, required
  std::string peer_bus;  // far bus id (type bus only)
  BridgeDirection direction = BridgeDirection::kBoth;
  BridgeMode mode = BridgeMode::kAll;
  // Filters see the text as it is on the side it comes from, in either
  // direction: a message is carried if it matches some include pattern (or
  // include is empty) and no exclude pattern. PCRE2, unanchored.
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  std::string add_prefix;    // prepended to messages carried out (local -> far)
  std::string strip_prefix;  // removed from messages carried in (far -> local)
                             // that start with it
  std::string local_name;    // agent name on the local bus; "" = bus name
  std::string remote_name;   // agent name on the far side; "" = its default
  LinkConfig link;           // type link only
  MqttConfig mqtt;           // type mqtt only

  bool operator==(const BridgeConfig&) const = default;
};

struct LimitsConfig {
  std::uint64_t max_frame_bytes = 16 * 1024 * 1024;  // longer lines are dropped
  std::uint32_t max_subscriptions_per_peer = 10000;
  std::uint32_t max_peers = 1024;                    // per bus
  std::uint64_t peer_queue_bytes = 8 * 1024 * 1024;  // outbound, per peer
  std::chrono::seconds stall_timeout{30};            // close a peer whose queue stays full
  std::chrono::seconds tcp_keepalive{60};            // TCP_KEEPIDLE for half-open links; 0 = off

  bool operator==(const LimitsConfig&) const = default;
};

struct StatusConfig {
  bool enabled = true;
  std::string path = "/run/ivyd/ivyd.sock";
  std::uint32_t mode = 0660;   // permission bits of the socket file
  std::string group = "ivyd";  // "" = leave the daemon's group

  bool operator==(const StatusConfig&) const = default;
};

// The cache of compiled Hyperscan databases (docs/matcher.md): a restarted
// ivyd, or a peer that comes back with a set seen before, is matched by
// Hyperscan at once instead of after seconds to a minute of compiling.
struct MatcherConfig {
  // "" = $STATE_DIRECTORY/hyperscan-cache under systemd, else a
  // hyperscan-cache directory beside the recording (recorder.path).
  std::string cache_dir;
  std::uint64_t cache_max_bytes = 256ULL * 1024 * 1024;  // least recently used go first; 0 = no cache

  bool operator==(const MatcherConfig&) const = default;
};

// Shipping the recording to a central PostgreSQL (docs/config.md, "central").
// The local recording stays the journal; this only says where to copy it.
struct CentralConfig {
  std::string url;            // libpq connection URI: postgresql://[user@]host[:port]/db[?...]
  std::string password_file;  // file holding the password; "" = libpq's own (PGPASSWORD, ~/.pgpass)
  std::string site;           // name of this ivyd's recordings in the store; "" = the host name
  std::uint32_t batch_rows = 10000;              // messages per transaction, at most
  std::chrono::milliseconds batch_interval{1000};  // look for new rows this often

  bool operator==(const CentralConfig&) const = default;
};

// The Prometheus endpoint (GET /metrics). Off unless the `metrics` section is
// present; listen is a numeric IPv4 address and a port, 0 = any free port.
struct MetricsConfig {
  bool enabled = false;
  std::string listen = "127.0.0.1:9643";
  bool per_peer = false;  // one series per peer as well (label cardinality)

  bool operator==(const MetricsConfig&) const = default;
};

struct LoggingConfig {
  LogLevel level = LogLevel::kInfo;

  bool operator==(const LoggingConfig&) const = default;
};

struct Config {
  std::vector<BusConfig> buses;  // at least one after loading
  RecorderConfig recorder;
  std::vector<BridgeConfig> bridges;
  LimitsConfig limits;
  std::vector<Network> allowed_networks;  // empty = every peer address allowed
  StatusConfig status;
  MatcherConfig matcher;
  LoggingConfig logging;
  std::optional<CentralConfig> central;  // absent = no shipping at all
  MetricsConfig metrics;

  bool operator==(const Config&) const = default;
};

// The configuration with no file: one bus "main" on 127.255.255.255:2010,
// recorded to ivyd.db, every other member at its default.
Config default_config();

// Names as written in JSON ("all-groups", "exit", "warning", ...).
std::string_view to_string(CaptureMode value);
std::string_view to_string(DiePolicy value);
std::string_view to_string(LogLevel value);
std::string_view to_string(BridgeDirection value);
std::string_view to_string(BridgeMode value);
std::string_view to_string(BridgeType value);
std::string_view to_string(LinkRole value);
std::string_view to_string(MqttPayload value);

}  // namespace ivy::config
