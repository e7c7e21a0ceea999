#include "daemon/bridges/bridges.hpp"

#include <unistd.h>

#include <fstream>

#include "config/fingerprint.hpp"
#include "daemon/bridges/mqtt/mqtt_options.hpp"

namespace ivy::daemon {
namespace {

BridgeWay way_of(config::BridgeDirection d) {
  switch (d) {
    case config::BridgeDirection::kIn: return BridgeWay::kIn;
    case config::BridgeDirection::kOut: return BridgeWay::kOut;
    case config::BridgeDirection::kBoth: return BridgeWay::kBoth;
  }
  return BridgeWay::kBoth;
}

BridgePolicyOptions policy_of(const config::BridgeConfig& c) {
  return {way_of(c.direction), c.include, c.exclude, c.add_prefix, c.strip_prefix};
}

BridgeMode mode_of(config::BridgeMode m) {
  return m == config::BridgeMode::kInterest ? BridgeMode::kInterest : BridgeMode::kAll;
}

// The `tls` object as the link uses it: pins parsed (validated already).
TlsSettings tls_settings_of(const config::LinkTlsConfig& c) {
  TlsSettings t{c.cert_file, c.key_file, c.ca_file, {}, c.server_name};
  for (const auto& pin : c.peer_fingerprints) {
    if (auto parsed = config::parse_fingerprint(pin)) t.pins.push_back(*parsed);
  }
  return t;
}

std::string host_name() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) return "unknown";
  return host;
}

std::string make_instance_id() {
  const std::string host = host_name();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch()).count();
  return host + ":" + std::to_string(::getpid()) + ":" + std::to_string(ms);
}

constexpr PeerKey kBridgeKeyBase = 1ull << 62;
constexpr int kBridgeKeyShift = 34;  // a BusBridge uses two ranges of 2^32

}  // namespace

Result<std::string> read_token_file(const std::string& path, std::string_view key) {
  std::ifstream in(path);
  if (!in) return fail("cannot read " + std::string(key) + " '" + path + "'");
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  if (line.empty()) return fail(std::string(key) + " '" + path + "' is empty");
  return line;
}

Bridges::Bridges(asio::io_context& io, Logger& log, PortLookup lookup, Options options)
    : io_(io), log_(log), lookup_(std::move(lookup)), options_(std::move(options)) {
  if (options_.instance_id.empty()) options_.instance_id = make_instance_id();
}

Bridges::~Bridges() { stop(); }

PeerKey Bridges::next_key_range() { return kBridgeKeyBase + (++key_serial_ << kBridgeKeyShift); }

BridgeHooks Bridges::hooks() {
  BridgeHooks h;
  h.on_bridged = options_.on_bridged;
  h.is_duplicate = [this](const std::string& bus, std::string_view agent, std::string_view text,
                          std::string_view path) {
    auto it = dedup_.try_emplace(bus, DedupWindow::Options{options_.dedup_window, 65536}).first;
    return it->second.is_duplicate(text, agent, path, std::chrono::steady_clock::now() - epoch_);
  };
  return h;
}

void Bridges::start(const std::vector<config::BridgeConfig>& bridges) { apply(bridges); }

void Bridges::stop() {
  for (auto& [id, entry] : entries_) stop_one(entry);
  entries_.clear();
}

void Bridges::stop_one(Entry& entry) {
  if (entry.bus) entry.bus->stop();
  if (entry.link) entry.link->stop();
  if (entry.mqtt) entry.mqtt->stop();
  entry.bus.reset();
  entry.link.reset();
  entry.mqtt.reset();
}

void Bridges::stop_using(const std::string& bus_id) {
  for (auto& [id, entry] : entries_) {
    const auto& c = entry.config;
    if (c.bus != bus_id && c.peer_bus != bus_id) continue;
    if (entry.running()) log_.info("bridge '" + id + "': stopped while bus '" + bus_id + "' restarts");
    stop_one(entry);
    entry.failure = "bus '" + bus_id + "' restarting";
  }
}

void Bridges::apply(const std::vector<config::BridgeConfig>& bridges) {
  std::map<std::string, const config::BridgeConfig*> wanted;
  for (const auto& b : bridges) wanted[b.id] = &b;
  for (auto it = entries_.begin(); it != entries_.end();) {
    auto w = wanted.find(it->first);
    if (w == wanted.end() || !(*w->second == it->second.config)) {
      if (it->second.running()) log_.notice("bridge '" + it->first + "': stopped");
      stop_one(it->second);
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& b : bridges) {
    auto& entry = entries_[b.id];
    entry.config = b;
    if (!entry.running() && b.enabled) start_one(entry);
  }
}

void Bridges::start_one(Entry& entry) {
  entry.failure.clear();
  const Status st = entry.config.type == config::BridgeType::kBus    ? start_bus_bridge(entry)
                    : entry.config.type == config::BridgeType::kLink ? start_link_bridge(entry)
                                                                      : start_mqtt_bridge(entry);
  if (!st) {
    entry.failure = st.error().message;
    log_.error(st.error().message);
    stop_one(entry);
  }
}

Status Bridges::start_bus_bridge(Entry& entry) {
  const auto& c = entry.config;
  auto local = lookup_(c.bus);
  auto far = lookup_(c.peer_bus);
  if (!local || !far) return fail("bridge '" + c.id + "': bus '" + (local ? c.peer_bus : c.bus) + "' is not running");
  BusBridgeOptions o{c.id, policy_of(c), mode_of(c.mode), c.local_name, c.remote_name, next_key_range()};
  entry.bus = std::make_unique<BusBridge>(io_, std::move(o), std::move(*local), std::move(*far), log_, hooks());
  return entry.bus->start();
}

Status Bridges::start_link_bridge(Entry& entry) {
  const auto& c = entry.config;
  auto local = lookup_(c.bus);
  if (!local) return fail("bridge '" + c.id + "': bus '" + c.bus + "' is not running");
  LinkBridgeOptions o;
  o.id = c.id;
  o.policy = policy_of(c);
  o.mode = mode_of(c.mode);
  o.local_name = c.local_name;
  o.remote_name = c.remote_name;
  o.instance_id = options_.instance_id;
  o.role = c.link.role == config::LinkRole::kListen ? LinkConnection::Role::kListener : LinkConnection::Role::kDialer;
  o.listen = c.link.listen;
  o.dial = c.link.dial;
  o.token = c.link.token;
  if (!c.link.token_file.empty()) {
    auto token = read_token_file(c.link.token_file);
    if (!token) return fail("bridge '" + c.id + "': " + token.error().message);
    o.token = *token;
  }
  o.reconnect_min = c.link.reconnect_min;
  o.reconnect_max = c.link.reconnect_max;
  o.keepalive = std::chrono::duration_cast<std::chrono::milliseconds>(c.link.keepalive);
  o.outage_buffer_bytes = c.link.outage_buffer_bytes;
  if (c.link.tls) o.tls = tls_settings_of(*c.link.tls);
  o.io = options_.io;
  o.first_peer_key = next_key_range();
  o.allow_peer = options_.allow_peer;
  entry.link = std::make_unique<LinkBridge>(io_, std::move(o), std::move(*local), log_, hooks());
  return entry.link->start();
}

void Bridges::reload_files() {
  for (auto& [id, entry] : entries_) {
    if (!entry.link) continue;
    if (auto st = entry.link->reload_tls(); !st) log_.error(st.error().message);
  }
}

Status Bridges::start_mqtt_bridge(Entry& entry) {
  const auto& c = entry.config;
  auto local = lookup_(c.bus);
  if (!local) return fail("bridge '" + c.id + "': bus '" + c.bus + "' is not running");
  auto o = mqtt_bridge_options(c, host_name(), {options_.io.max_queue_bytes, options_.io.max_frame_bytes});
  if (!o) return fail_with(o.error());
  o->instance_id = options_.instance_id;
  o->first_peer_key = next_key_range();
  entry.mqtt = std::make_unique<MqttBridge>(io_, std::move(*o), std::move(*local), log_, hooks());
  return entry.mqtt->start();
}

std::vector<BridgeStatus> Bridges::status() const {
  std::vector<BridgeStatus> out;
  for (const auto& [id, entry] : entries_) {
    if (entry.bus) {
      out.push_back(entry.bus->status());
    } else if (entry.link) {
      out.push_back(entry.link->status());
    } else if (entry.mqtt) {
      out.push_back(entry.mqtt->status());
    } else {
      BridgeStatus s;
      s.id = id;
      s.type = std::string(config::to_string(entry.config.type));
      s.state = entry.config.enabled ? "failed: " + entry.failure : "disabled";
      s.local_bus = entry.config.bus;
      s.far = entry.config.type == config::BridgeType::kMqtt ? entry.config.mqtt.broker : entry.config.peer_bus;
      out.push_back(std::move(s));
    }
  }
  return out;
}

}  // namespace ivy::daemon
