#include "daemon/service/daemon.hpp"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <filesystem>
#include <functional>

#include "config/config_diff.hpp"
#include "config/config_loader.hpp"
#include "core/bus_spec.hpp"
#include "core/hs_matcher.hpp"
#include "daemon/agent/agent.hpp"
#include "daemon/bridges/bridges.hpp"
#include "daemon/agent/bus_port.hpp"
#include "daemon/service/bus_recorder.hpp"
#include "daemon/agent/listener_list.hpp"
#include "daemon/service/daemon_bus.hpp"
#include "storage/central_shipper.hpp"
#include "storage/shipper_slot.hpp"
#include "daemon/service/metrics_server.hpp"
#include "storage/file_database_cache.hpp"
#include "storage/sqlite_recorder.hpp"

namespace ivy::daemon {
namespace {

constexpr auto kTickInterval = std::chrono::seconds(1);
constexpr auto kStopGuard = std::chrono::seconds(5);
constexpr int kPeerKeyShift = 40;  // each bus gets 2^40 keys

DiePolicy die_policy_of(config::DiePolicy p) {
  return p == config::DiePolicy::kExit ? DiePolicy::kExit : DiePolicy::kIgnore;
}

CaptureMode capture_mode_of(config::CaptureMode m) {
  return m == config::CaptureMode::kStrictC ? CaptureMode::kStrictC : CaptureMode::kAllGroups;
}

LogLevel log_level_of(config::LogLevel l) {
  switch (l) {
    case config::LogLevel::kDebug: return LogLevel::kDebug;
    case config::LogLevel::kInfo: return LogLevel::kInfo;
    case config::LogLevel::kNotice: return LogLevel::kNotice;
    case config::LogLevel::kWarning: return LogLevel::kWarning;
    case config::LogLevel::kError: return LogLevel::kError;
  }
  return LogLevel::kInfo;
}

// Identifies the configuration a recording was made with (the recordings
// table's config_digest): FNV-1a 64 of the file's bytes, or "defaults".
// Not a security hash; it tells two configurations apart.
std::string config_digest(const std::string& path) {
  if (path.empty()) return "defaults";
  std::ifstream in(path, std::ios::binary);
  if (!in) return "unreadable";
  std::uint64_t hash = 1469598103934665603ull;
  for (char c; in.get(c);) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  char text[32];
  std::snprintf(text, sizeof text, "fnv1a64:%016llx", static_cast<unsigned long long>(hash));
  return text;
}

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

// Storage logs through the daemon's logger, each line prefixed.
storage::LogFn storage_log(Logger& log, std::string prefix) {
  return [&log, prefix = std::move(prefix)](storage::LogLevel level, const std::string& text) {
    switch (level) {
      case storage::LogLevel::kDebug: log.debug(prefix + text); break;
      case storage::LogLevel::kInfo: log.info(prefix + text); break;
      case storage::LogLevel::kWarning: log.warning(prefix + text); break;
      case storage::LogLevel::kError: log.error(prefix + text); break;
    }
  };
}

// The first line of a secret file, without trailing blanks.
Result<std::string> read_secret_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail("cannot read '" + path + "'");
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  if (line.empty()) return fail("'" + path + "' is empty");
  return line;
}

bool address_allowed(const std::vector<config::Network>& networks, const asio::ip::address& address) {
  if (networks.empty()) return true;
  for (const auto& net : networks) {
    if (address.is_v4()) {
      const auto bytes = address.to_v4().to_bytes();
      if (config::contains(net, config::Network::Family::kIpv4, bytes.data())) return true;
    } else {
      const auto bytes = address.to_v6().to_bytes();
      if (config::contains(net, config::Network::Family::kIpv6, bytes.data())) return true;
    }
  }
  return false;
}

}  // namespace

std::string resolve_state_path(const std::string& path) {
  if (path.empty() || path.front() == '/') return path;
  if (const char* state = std::getenv("STATE_DIRECTORY"); state && *state) {
    std::string dir = state;
    if (auto colon = dir.find(':'); colon != std::string::npos) dir.resize(colon);  // several dirs
    return dir + "/" + path;
  }
  return path;
}

std::string matcher_cache_dir(const config::Config& config) {
  if (!config.matcher.cache_dir.empty()) return resolve_state_path(config.matcher.cache_dir);
  if (const char* state = std::getenv("STATE_DIRECTORY"); state && *state) {
    return resolve_state_path("hyperscan-cache");
  }
  const auto beside = std::filesystem::path(resolve_state_path(config.recorder.path)).parent_path();
  return ((beside.empty() ? std::filesystem::path(".") : beside) / "hyperscan-cache").string();
}

Daemon::Daemon(DaemonSetup setup, Logger& log)
    : setup_(std::move(setup)),
      log_(log),
      stop_signals_(io_, SIGTERM, SIGINT),
      reload_signal_(io_, SIGHUP),
      tick_timer_(io_),
      stop_guard_(io_),
      notifier_(io_),
      status_(io_, log, [this](std::string_view request) { return answer(request); }),
      shipper_slot_(std::make_shared<storage::ShipperSlot>()),
      metrics_(std::make_unique<MetricsServer>()) {
  std::signal(SIGPIPE, SIG_IGN);
}

Daemon::~Daemon() {
  if (shipper_slot_) shipper_slot_->set(nullptr);
}

void Daemon::request_stop() {
  asio::post(io_, [this] { stop(); });
}

int Daemon::run() {
  started_at_ = std::chrono::steady_clock::now();
  log_.set_level(log_level_of(setup_.config.logging.level));
  if (auto st = start(); !st) {
    log_.error(st.error().message);
    stop();
    io_.run_for(std::chrono::seconds(2));
    return 1;
  }
  wait_stop_signal();
  wait_reload_signal();
  tick();
  notifier_.ready(status_line());
  notifier_.start_watchdog();
  io_.run();
  return exit_code_;
}

Status Daemon::start() {
  open_recorder();
  open_matcher_cache();
  open_shipper();
  for (const auto& bus : setup_.config.buses) {
    if (auto st = start_bus(bus); !st) return st;
  }
  start_bridges();
  open_status_socket();
  open_metrics();
  return {};
}

void Daemon::open_recorder() {
  const auto& rc = setup_.config.recorder;
  const bool any_recorded_bus =
      std::any_of(setup_.config.buses.begin(), setup_.config.buses.end(), [](const auto& b) { return b.record; });
  if (!rc.enabled || !any_recorded_bus) {
    log_.info("recording is off");
    return;
  }
  self_joined_ = false;  // a new database
  storage::SqliteRecorderOptions options;
  options.path = resolve_state_path(rc.path);
  options.queue_capacity = rc.queue_size;
  options.batch_rows = rc.batch_rows;
  options.batch_interval = rc.batch_interval;
  options.rotate_bytes = rc.rotate_bytes;
  options.rotate_after = rc.rotate_interval;
  options.retain_for = rc.retain_duration;
  options.retain_bytes = rc.retain_bytes;
  options.meta.host = host_name();
  for (const auto& bus : setup_.config.buses) {
    if (!bus.record) continue;
    if (!options.meta.bus.empty()) options.meta.bus += " ";
    options.meta.bus += bus.spec;
  }
  options.meta.ivyd_version = IVYD_VERSION;
  options.meta.config_digest = config_digest(setup_.config_path);
  options.log = storage_log(log_, "recorder: ");
  options.before_delete = [slot = shipper_slot_](const std::string& path) { slot->on_retiring(path); };
  log_.info("recording to " + options.path);
  sink_ = std::make_unique<storage::SqliteRecorder>(std::move(options));
}

// Not being able to keep databases is no reason not to run: one warning, and
// every set is compiled as before.
void Daemon::open_matcher_cache() {
  matcher_cache_.reset();
  const auto& mc = setup_.config.matcher;
  if (mc.cache_max_bytes == 0) {
    log_.info("Hyperscan database cache is off (matcher.cache_max_bytes is 0)");
    return;
  }
  const std::string dir = matcher_cache_dir(setup_.config);
  auto cache = storage::FileDatabaseCache::open(dir, mc.cache_max_bytes);
  if (!cache) {
    log_.warning(cache.error().message + "; running without a Hyperscan database cache (every pattern set is "
                                         "compiled again after a restart)");
    return;
  }
  matcher_cache_ = *cache;
  log_.info("Hyperscan database cache " + dir);
}

std::unique_ptr<Matcher> Daemon::make_matcher() const {
  HyperscanMatcherOptions options;
  options.cache = matcher_cache_;
  return std::make_unique<HyperscanMatcher>(std::move(options));
}

Status Daemon::start_bus(const config::BusConfig& bc) {
  std::vector<std::string> errors;
  auto spec = parse_bus_spec(bc.spec, &errors);
  if (!spec) return fail("bus '" + bc.id + "': " + (errors.empty() ? "bad spec" : errors.front()));
  AgentOptions options;
  options.name = bc.name;
  options.bus = *spec;
  options.ready_message = bc.ready_message.value_or("");
  options.die_policy = die_policy_of(bc.die_policy);
  options.capture_mode = capture_mode_of(bc.capture_mode);
  options.first_peer_key = (++bus_serial_ << kPeerKeyShift) + 1;

  auto bus = std::make_unique<Bus>();
  bus->config = bc;
  bus->on_die_exit = [this] { request_stop(); };
  bus->make_matcher = [this] { return make_matcher(); };
  bus->agent = std::make_unique<Agent>(io_, options, make_matcher(), log_, &bus->listeners);
  for (const auto& peer : bc.static_peers) {
    auto host_port = split_host_port(peer);  // "host:port", "[v6]:port"; validated by config
    if (!host_port) return fail("bus '" + bc.id + "': bad static peer '" + peer + "'");
    bus->agent->add_static_peer(std::move(host_port->first), host_port->second);
  }
  apply_limits(*bus->agent);
  bus->listeners.add(bus.get());
  if (sink_ && bc.record) {
    bus->recorder = std::make_unique<BusRecorder>(*bus->agent, bc.id, *sink_, bus->tap());
    bus->listeners.add(bus->recorder.get());
  }
  if (auto st = bus->agent->start(); !st) return fail("bus '" + bc.id + "' (" + bc.spec + "): " + st.error().message);
  log_.notice("joined bus '" + bc.id + "' " + spec->to_string() + " as '" + bc.name + "'" +
              (bus->recorder ? ", recording" : ""));
  buses_.push_back(std::move(bus));
  return {};
}

// The shipper copies the recording set to the central store; it reads the
// files the recorder writes, so it follows the recorder's path. A password
// file that cannot be read is an error in the log and the status; recording
// goes on.
void Daemon::open_shipper() {
  central_error_.clear();
  const auto& central = setup_.config.central;
  if (!central || !setup_.config.recorder.enabled) return;
  storage::CentralShipperOptions options;
  options.shipper.path = resolve_state_path(setup_.config.recorder.path);
  options.shipper.site = central->site.empty() ? host_name() : central->site;
  options.shipper.batch_rows = central->batch_rows;
  options.shipper.log = storage_log(log_, "central: ");
  options.connection.url = central->url;
  options.interval = central->batch_interval;
  if (!central->password_file.empty()) {
    auto password = read_secret_file(central->password_file);
    if (!password) {
      central_error_ = "central.password_file: " + password.error().message + "; nothing is shipped";
      log_.error(central_error_);
      return;
    }
    options.connection.password = *password;
  }
  log_.info("central: shipping " + options.shipper.path + " to " + storage::redact_url(central->url) +
            " as site '" + options.shipper.site + "'");
  shipper_ = std::make_unique<storage::CentralShipper>(std::move(options));
  shipper_slot_->set(shipper_.get());
}

// What is not shipped stays in the recording and ships on the next start.
void Daemon::close_shipper() {
  if (!shipper_) return;
  shipper_slot_->set(nullptr);
  shipper_->close();
  const auto stats = shipper_->stats();
  log_.info("central: stopped; " + std::to_string(stats.shipped_rows) + " rows shipped" +
            (stats.backlog_rows > 0 ? ", " + std::to_string(stats.backlog_rows) + " left to ship next time" : ""));
  shipper_.reset();
}

// Bridges run on the buses: started after them, stopped before them. A
// bridge that cannot start is logged and shown in the status; it does not
// stop the daemon.
void Daemon::start_bridges() {
  Bridges::Options options;
  options.allow_peer = [this](const asio::ip::address& a) {
    return address_allowed(setup_.config.allowed_networks, a);  // follows reloads
  };
  options.io.max_frame_bytes = setup_.config.limits.max_frame_bytes;
  options.io.max_queue_bytes = setup_.config.limits.peer_queue_bytes;
  options.io.keepalive = TcpKeepalive::from_idle(setup_.config.limits.tcp_keepalive);
  options.on_bridged = [this](const BridgedMessage& message) { record_bridged(message); };
  auto lookup = [this](const std::string& id) -> std::optional<BusPort> {
    for (auto& bus : buses_) {
      if (bus->config.id == id) return bus->port();
    }
    return std::nullopt;
  };
  bridges_ = std::make_unique<Bridges>(io_, log_, std::move(lookup), std::move(options));
  bridges_->start(setup_.config.bridges);
}

// A message a bridge re-emitted through a recorded bus's own agent: that
// agent never hears its own sends, so it is recorded here as sent by ivyd
// itself (storage::kSelfKey), with its origin (issue 7).
void Daemon::record_bridged(const BridgedMessage& message) {
  if (!message.via_bus_agent) return;  // the bus's recorder hears the dedicated agent
  for (auto& bus : buses_) {
    if (bus->config.id != message.dest_bus || !bus->recorder) continue;
    record_self(true);
    bus->recorder->on_own_message(message.text, {message.origin_bus, message.origin_agent});
    return;
  }
}

// The agent row of ivyd itself: one per recording, on no bus (it sends on
// every bus it bridges to; its receivers tell which), joined before its
// first message and left on shutdown.
void Daemon::record_self(bool joined) {
  if (!sink_ || joined == self_joined_) return;
  self_joined_ = joined;
  storage::AgentRef self{storage::kSelfKey, bridges_ ? bridges_->instance_id() : std::string(), "ivyd",
                         host_name(), 0, {}};
  sink_->try_append(storage::AgentEvent{now_stamp(), joined ? storage::AgentChange::kJoined : storage::AgentChange::kLeft,
                                        std::move(self),
                                        joined ? storage::LeaveHow::kNone : storage::LeaveHow::kShutdown});
}

// Stops a bus (BYE to its peers) and destroys it once its links are closed
// and every handler already queued for it has run.
void Daemon::stop_bus(std::unique_ptr<Bus> bus) {
  if (bus->recorder) bus->recorder->stop();
  Bus* raw = bus.release();
  raw->agent->stop([this, raw] {
    asio::post(io_, [this, raw] { asio::post(io_, [raw] { delete raw; }); });
  });
}

void Daemon::open_status_socket() {
  const auto& sc = setup_.config.status;
  if (!sc.enabled) return;
  if (auto st = status_.open(sc.path, sc.mode, sc.group); !st) {
    // Not fatal: a daemon run by hand has no /run/ivyd.
    log_.warning(st.error().message + " (ivyctl status will not work)");
  } else {
    log_.info("status socket " + sc.path);
  }
}

void Daemon::wait_stop_signal() {
  stop_signals_.async_wait([this](const error_code& ec, int signo) {
    if (ec) return;
    log_.notice(std::string("received ") + (signo == SIGINT ? "SIGINT" : "SIGTERM") + ", stopping");
    stop();
  });
}

void Daemon::wait_reload_signal() {
  reload_signal_.async_wait([this](const error_code& ec, int) {
    if (ec) return;
    reload();
    if (!stopping_) wait_reload_signal();
  });
}

void Daemon::stop() {
  if (stopping_) return;
  stopping_ = true;
  notifier_.stopping();
  notifier_.stop_watchdog();
  tick_timer_.cancel();
  status_.close();
  metrics_->close();
  error_code ignored;
  stop_signals_.cancel(ignored);
  reload_signal_.cancel(ignored);
  if (bridges_) bridges_->stop();
  record_self(false);
  auto remaining = std::make_shared<std::size_t>(buses_.size());
  auto finish = [this] {
    if (sink_) {
      sink_->close();
      const auto stats = sink_->stats();
      log_.info("recorder closed: " + std::to_string(stats.written) + " records written, " +
                std::to_string(stats.dropped) + " dropped");
    }
    close_shipper();
    stop_guard_.cancel();
    io_.stop();
  };
  for (auto& bus : buses_) {
    if (bus->recorder) bus->recorder->stop();
    bus->agent->stop([remaining, finish] {
      if (--*remaining == 0) finish();
    });
  }
  if (buses_.empty()) finish();
  stop_guard_.expires_after(kStopGuard);
  stop_guard_.async_wait([this, finish](const error_code& ec) {
    if (ec) return;
    log_.warning("stop took too long; closing anyway");
    finish();
  });
}

void Daemon::reload() {
  if (setup_.config_path.empty()) {
    log_.notice("SIGHUP: no config file to reload (running on built-in defaults)");
    return;
  }
  notifier_.reloading();
  log_.notice("SIGHUP: reloading " + setup_.config_path);
  auto loaded = config::load_config_file(setup_.config_path);
  if (loaded && !setup_.overrides.empty()) loaded = config::apply_overrides(std::move(*loaded), setup_.overrides);
  if (!loaded) {
    log_.error("the new configuration is invalid; keeping the running one:\n" + config::to_string(loaded.error()));
    notifier_.ready(status_line());
    return;
  }
  if (bridges_) bridges_->reload_files();  // renewed certificates under the same names
  apply(*loaded);
  notifier_.ready(status_line());
}

void Daemon::apply(const config::Config& next) {
  const config::ConfigDiff d = config::diff(setup_.config, next);
  log_.notice("config reloaded: " + config::to_string(d));
  if (d.empty()) {
    if (bridges_) bridges_->apply(next.bridges);  // starts again those that failed (a file now there)
    return;
  }
  // Buses removed or changed are left (with their bridges); the others keep
  // their links.
  for (const auto& bus : buses_) {
    const auto& id = bus->config.id;
    if (std::count(d.buses_removed.begin(), d.buses_removed.end(), id) ||
        std::count(d.buses_changed.begin(), d.buses_changed.end(), id)) {
      if (bridges_) bridges_->stop_using(id);
    }
  }
  std::vector<std::unique_ptr<Bus>> leaving;
  for (auto it = buses_.begin(); it != buses_.end();) {
    const auto& id = (*it)->config.id;
    if (std::count(d.buses_removed.begin(), d.buses_removed.end(), id) ||
        std::count(d.buses_changed.begin(), d.buses_changed.end(), id)) {
      leaving.push_back(std::move(*it));
      it = buses_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& bus : leaving) stop_bus(std::move(bus));
  setup_.config = next;
  if (d.logging_changed) log_.set_level(log_level_of(next.logging.level));
  if (d.recorder_changed || d.central_changed) close_shipper();
  if (d.recorder_changed) reopen_recorder();
  if (d.matcher_changed) open_matcher_cache();  // for the agents started from now on
  if (d.recorder_changed || d.central_changed) open_shipper();
  if (d.limits_changed || d.allowed_networks_changed) {
    for (auto& bus : buses_) apply_limits(*bus->agent);
  }
  for (const auto& bc : next.buses) {
    const bool running =
        std::any_of(buses_.begin(), buses_.end(), [&](const auto& b) { return b->config.id == bc.id; });
    if (running) continue;
    if (auto st = start_bus(bc); !st) log_.error("reload: " + st.error().message);
  }
  if (bridges_) bridges_->apply(next.bridges);
  if (d.status_changed) {
    status_.close();
    open_status_socket();
  }
  if (d.metrics_changed) open_metrics();
}

// The recorder's settings changed: what is queued is written and the old
// database closed, then every recorded bus records into the new one. Links
// stay up; each agent is recorded as joining again on its next event.
void Daemon::reopen_recorder() {
  for (auto& bus : buses_) {
    if (!bus->recorder) continue;
    bus->recorder->flush_drops();  // into the old database, with the rest
    bus->listeners.remove(bus->recorder.get());
    bus->recorder.reset();
  }
  if (sink_) sink_->close();
  sink_.reset();
  open_recorder();
  if (!sink_) return;
  for (auto& bus : buses_) {
    if (!bus->config.record) continue;
    bus->recorder = std::make_unique<BusRecorder>(*bus->agent, bus->config.id, *sink_, bus->tap());
    bus->listeners.add(bus->recorder.get());
  }
}

// Limits and allowed_networks: new links get the new values; links from
// addresses no longer allowed are closed (docs/config.md, "Reloading").
void Daemon::apply_limits(Agent& agent) {
  const auto& limits = setup_.config.limits;
  TcpPeer::Options link;
  link.max_frame_bytes = limits.max_frame_bytes;
  link.max_queue_bytes = limits.peer_queue_bytes;
  link.stall_timeout = limits.stall_timeout;
  link.keepalive = TcpKeepalive::from_idle(limits.tcp_keepalive);
  PeerLimits peer_limits;
  peer_limits.max_subscriptions = limits.max_subscriptions_per_peer;
  agent.set_link_limits(link, peer_limits, limits.max_peers);
  agent.set_allow_peer(allow_peer_function());
}

std::function<bool(const asio::ip::address&)> Daemon::allow_peer_function() const {
  return [networks = setup_.config.allowed_networks](const asio::ip::address& a) {
    return address_allowed(networks, a);
  };
}

void Daemon::tick() {
  std::uint64_t received = 0;
  for (const auto& bus : buses_) {
    received += bus->agent->counters().messages_received;
    if (bus->recorder) bus->recorder->tick();
  }
  const auto delta = received >= last_received_ ? received - last_received_ : received;
  message_rate_ = static_cast<double>(delta) / std::chrono::duration<double>(kTickInterval).count();
  last_received_ = received;
  notifier_.status(status_line());
  publish_metrics();
  tick_timer_.expires_after(kTickInterval);
  tick_timer_.async_wait([this](const error_code& ec) {
    if (!ec) tick();
  });
}

}  // namespace ivy::daemon
