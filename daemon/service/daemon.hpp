#pragma once
// Daemon: ivyd assembled. It owns the io_context and everything that runs on
// it: one Agent per configured bus (each with its BusRecorder when recording
// is on), the SQLite recorder, the shipper to the central store (when
// `central` is configured), the status socket, systemd notification and the
// signal handling.
//
//   SIGTERM, SIGINT  BYE to every peer, flush and close the database, exit 0
//                    (bounded: links that do not flush are cut)
//   SIGHUP           reload the config file; apply only what changed; on an
//                    invalid file, log every problem and keep running as is
//
// run() returns the process exit code. Everything happens on the thread
// that calls run(), except the recorder's writer thread, the shipper's
// thread (neither ever blocks this one) and the metrics endpoint's HTTP
// threads (which see only published snapshots, metrics_server.hpp).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/cli_overrides.hpp"
#include "config/config.hpp"
#include "daemon/asio.hpp"
#include "daemon/log.hpp"
#include "daemon/service/status_server.hpp"
#include "daemon/service/systemd_notifier.hpp"
#include "storage/record_sink.hpp"

namespace ivy {
class Matcher;
namespace storage {
class CentralShipper;
class FileDatabaseCache;
class ShipperSlot;
}  // namespace storage
}  // namespace ivy

namespace ivy::daemon {

class Agent;
class Bridges;
class MetricSet;
class MetricsServer;
struct BridgedMessage;

struct DaemonSetup {
  config::Config config;
  std::string config_path;  // re-read on SIGHUP; empty = built-in defaults only
  config::CliOverrides overrides;
};

class Daemon {
 public:
  Daemon(DaemonSetup setup, Logger& log);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Starts everything and runs until stopped. Returns the exit code: 0 after
  // a clean stop, 1 when start-up failed (a socket could not be opened).
  int run();

  // Asks for a clean stop (thread-safe).
  void request_stop();

  // The status socket's answer to one request line (status_server.hpp):
  //   "" or "status"        the status document `ivyctl status` shows
  //   "who-gets BUS TEXT"   who would receive TEXT (daemon_who_gets.cpp)
  //   "subscriptions"       every peer's regexps, by bus (`ivyctl lint`)
  //   anything else         {"error": "unknown request '...'"}
  std::string answer(std::string_view request) const;
  // The status document (JSON) `ivyctl status` shows.
  std::string status_json() const;
  // {"buses": [{"id", "spec", "peers": [{"name", "app_id", "host", "port",
  //   "subscriptions": [{"id", "pattern"}]}]}]}: what each peer subscribed,
  // ivyd's own subscriptions (its recording tap) left out.
  std::string subscriptions_json() const;

 private:
  struct Bus;

  Status start();
  Status start_bus(const config::BusConfig& bus);
  void stop_bus(std::unique_ptr<Bus> bus);
  void start_bridges();
  void record_bridged(const BridgedMessage& message);
  void record_self(bool joined);
  void open_recorder();
  void reopen_recorder();
  void open_matcher_cache();
  std::unique_ptr<Matcher> make_matcher() const;
  void open_shipper();
  void close_shipper();
  void apply_limits(Agent& agent);
  std::function<bool(const asio::ip::address&)> allow_peer_function() const;
  void open_status_socket();
  void stop();
  void reload();
  void apply(const config::Config& next);
  void wait_stop_signal();
  void wait_reload_signal();
  void tick();
  std::string status_line() const;
  std::string who_gets(std::string_view argument) const;
  // Prometheus metrics (daemon_metrics.cpp).
  void open_metrics();
  void publish_metrics();
  MetricSet collect_metrics() const;

  asio::io_context io_;
  DaemonSetup setup_;
  Logger& log_;
  asio::signal_set stop_signals_;
  asio::signal_set reload_signal_;
  asio::steady_timer tick_timer_;
  asio::steady_timer stop_guard_;
  SystemdNotifier notifier_;
  StatusServer status_;
  // Before sink_: the recorder's retention hook reaches the shipper through
  // the slot, so both outlive the recorder.
  std::shared_ptr<storage::ShipperSlot> shipper_slot_;
  std::unique_ptr<storage::CentralShipper> shipper_;
  std::string central_error_;  // why the configured shipper is not running ("" = it is, or none)
  std::unique_ptr<storage::RecordSink> sink_;
  // Compiled Hyperscan databases, shared by every agent's matcher; null when
  // off or unusable (config `matcher`).
  std::shared_ptr<storage::FileDatabaseCache> matcher_cache_;
  std::vector<std::unique_ptr<Bus>> buses_;
  std::unique_ptr<Bridges> bridges_;  // after buses_: destroyed before them
  std::unique_ptr<MetricsServer> metrics_;
  std::string metrics_listen_;  // metrics.listen the endpoint serves ("" = not serving)
  std::string metrics_error_;   // why it is not serving ("" = it is, or it is off)
  std::uint64_t bus_serial_ = 0;
  bool self_joined_ = false;  // the sink has the join of storage::kSelfKey
  bool stopping_ = false;
  int exit_code_ = 0;
  std::chrono::steady_clock::time_point started_at_;
  std::uint64_t last_received_ = 0;
  double message_rate_ = 0;
};

// Where a relative recorder path goes: $STATE_DIRECTORY (systemd's
// StateDirectory=) if set, else the working directory.
std::string resolve_state_path(const std::string& path);

// Where the Hyperscan database cache goes: matcher.cache_dir (relative:
// resolved as above) if set, else $STATE_DIRECTORY/hyperscan-cache, else a
// hyperscan-cache directory beside the recording.
std::string matcher_cache_dir(const config::Config& config);

}  // namespace ivy::daemon
