#pragma once
// Bridges: the bridges of one ivyd (config `bridges`), built from the config
// and a lookup of the daemon's buses. It owns every BusBridge, LinkBridge and
// MqttBridge,
// the dedup window of each destination bus (core/dedup_window.hpp), and
// reports their status.
//
// Lifecycle, driven by the Daemon: start() after the buses, stop() before
// them. On reload, stop_using(bus) before a bus is left, then apply(new
// list): bridges added or changed are (re)started, removed ones stopped, and
// bridges of a restarted bus started again. A bridge that cannot start (a bus
// missing, a token or password file unreadable, a port taken) is logged, shows as
// "failed: ..." in status, and does not stop the others.
//
// Thread: the io_context thread.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/dedup_window.hpp"
#include "daemon/bridges/bridge_types.hpp"
#include "daemon/bridges/bus/bus_bridge.hpp"
#include "daemon/agent/bus_port.hpp"
#include "daemon/bridges/link/link_bridge.hpp"
#include "daemon/bridges/mqtt/mqtt_bridge.hpp"

namespace ivy::daemon {

class Bridges {
 public:
  using PortLookup = std::function<std::optional<BusPort>(const std::string& bus_id)>;

  struct Options {
    std::string instance_id;  // "" = host:pid:start-time
    std::function<bool(const asio::ip::address&)> allow_peer;
    TcpPeer::Options io;
    std::function<void(const BridgedMessage&)> on_bridged;  // e.g. the recorder; optional
    std::chrono::milliseconds dedup_window{2000};
  };

  Bridges(asio::io_context& io, Logger& log, PortLookup lookup, Options options);
  ~Bridges();

  void start(const std::vector<config::BridgeConfig>& bridges);
  void stop();
  // Stops the bridges that use `bus_id` (it is about to be left).
  void stop_using(const std::string& bus_id);
  // Makes the running set match `bridges`: changed ones restart, missing ones
  // start, removed ones stop, identical running ones are left alone.
  void apply(const std::vector<config::BridgeConfig>& bridges);
  // SIGHUP, whether or not the config changed: files named by the config
  // may have been renewed. Running TLS links load their certificate, key and
  // CA files again (rotation: the next handshakes use them, links up stay
  // up); a failure is logged and the files in use are kept. (Bridges that
  // failed to start are started again by apply().)
  void reload_files();

  std::vector<BridgeStatus> status() const;
  const std::string& instance_id() const { return options_.instance_id; }

 private:
  struct Entry {
    config::BridgeConfig config;
    std::unique_ptr<BusBridge> bus;
    std::unique_ptr<LinkBridge> link;
    std::unique_ptr<MqttBridge> mqtt;
    std::string failure;  // why it is not running
    bool running() const { return bus || link || mqtt; }
  };
  void start_one(Entry& entry);
  Status start_bus_bridge(Entry& entry);
  Status start_link_bridge(Entry& entry);
  Status start_mqtt_bridge(Entry& entry);
  static void stop_one(Entry& entry);
  BridgeHooks hooks();
  PeerKey next_key_range();

  asio::io_context& io_;
  Logger& log_;
  PortLookup lookup_;
  Options options_;
  std::map<std::string, Entry> entries_;  // by bridge id
  std::map<std::string, DedupWindow> dedup_;  // by destination bus id
  std::uint64_t key_serial_ = 0;
  std::chrono::steady_clock::time_point epoch_ = std::chrono::steady_clock::now();
};

// The first line of a token file, without its line end; an error if it cannot
// be read or is empty. `key` names the file in the error (the config key).
Result<std::string> read_token_file(const std::string& path, std::string_view key = "token_file");

}  // namespace ivy::daemon
