// The Daemon's answers on the status socket (daemon/service/daemon.hpp):
// the status document and the other requests, and the one-line status
// systemd shows.
#include "daemon/service/daemon.hpp"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/matcher.hpp"
#include "daemon/bridges/bridges.hpp"
#include "daemon/service/daemon_bus.hpp"
#include "storage/central_shipper.hpp"
#include "daemon/service/metrics_server.hpp"
#include "storage/file_database_cache.hpp"

namespace ivy::daemon {
namespace {

nlohmann::json error_document(const std::string& message) { return {{"error", message}}; }

// The dump every answer goes through. Peer names, app ids and texts are bytes
// from the network: invalid UTF-8 is replaced (U+FFFD), since a strict dump()
// would throw and end ivyd.
std::string dump(const nlohmann::json& doc) {
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A bus agent's matcher: where its peers' patterns are matched now.
nlohmann::json matcher_document(const MatcherStats& m) {
  return {{"subscriptions", m.subscriptions},
          {"patterns", m.patterns},
          {"hyperscan_patterns", m.hyperscan_patterns},
          {"side_list_patterns", m.side_list_patterns},
          {"fallback_patterns", m.fallback_patterns},
          {"prefilter_patterns", m.prefilter_patterns},
          {"base_patterns", m.base_patterns},
          {"shards", m.shards},
          {"compiles", m.compiles},
          {"cache_hits", m.cache_hits},
          {"database_bytes", m.database_bytes},
          {"match_errors", m.match_errors}};
}

nlohmann::json matcher_cache_document(const storage::FileDatabaseCache* cache) {
  if (!cache) return {{"enabled", false}};
  const auto s = cache->stats();
  return {{"enabled", true},      {"dir", cache->dir()},     {"max_bytes", cache->max_bytes()},
          {"files", s.files},     {"bytes", s.bytes},        {"hits", s.hits},
          {"misses", s.misses},   {"rejected", s.rejected},  {"stores", s.stores},
          {"store_failures", s.store_failures},              {"evictions", s.evictions}};
}

// A wall-clock time in ns, or null for "never" (0).
nlohmann::json time_or_null(std::int64_t ns) { return ns == 0 ? nlohmann::json() : nlohmann::json(ns); }

// The shipper's counters (storage/shipper_stats.hpp), as `ivyctl status` shows them.
nlohmann::json central_document(const storage::ShipperStats& s) {
  return {{"enabled", true},
          {"site", s.site},
          {"url", s.target},
          {"connected", s.connected},
          {"shipped_rows", s.shipped_rows},
          {"shipped_messages", s.shipped_messages},
          {"batches", s.batches},
          {"backlog_rows", s.backlog_rows < 0 ? nlohmann::json() : nlohmann::json(s.backlog_rows)},
          {"backlog_files", s.backlog_files},
          {"last_row_ns", time_or_null(s.last_row_ns)},
          {"last_shipped_ns", time_or_null(s.last_ship_ns)},
          {"gaps", s.gaps},
          {"lost_rows", s.lost_rows},
          {"repaired_rows", s.repaired_rows},
          {"errors", s.errors},
          {"last_error", s.last_error},
          {"last_error_ns", time_or_null(s.last_error_ns)}};
}

// A link bridge's `tls` object: {"enabled": false}, or the certificate in use
// and, while connected, the session and the far side's certificate.
nlohmann::json tls_document(const LinkTlsStatus& t) {
  if (!t.enabled) return {{"enabled", false}};
  nlohmann::json doc = {{"enabled", true}, {"cert_subject", t.cert_subject}, {"cert_not_after", t.cert_not_after},
                        {"cert_fingerprint", t.cert_fingerprint}};
  if (t.protocol.empty()) return doc;
  doc.update({{"protocol", t.protocol},           {"cipher", t.cipher},
              {"peer_subject", t.peer_subject},   {"peer_not_after", t.peer_not_after},
              {"peer_fingerprint", t.peer_fingerprint}});
  return doc;
}

// An mqtt bridge's broker connection: where, as whom, how it goes, and its
// counters (docs/bridge.md, "MQTT").
nlohmann::json broker_document(const BrokerStatus& b) {
  return {{"url", b.url},
          {"client_id", b.client_id},
          {"state", b.state},
          {"last_error", b.last_error},
          {"counters",
           {{"published", b.published},
            {"acknowledged", b.acknowledged},
            {"in_flight", b.in_flight},
            {"publish_errors", b.publish_errors},
            {"received", b.received},
            {"echoes", b.echoes},
            {"connect_failures", b.connect_failures},
            {"lost", b.lost},
            {"subscriptions_refused", b.subscriptions_refused}}}};
}

}  // namespace

std::string Daemon::answer(std::string_view request) const {
  const auto space = request.find(' ');
  const std::string verb(request.substr(0, space));
  if (verb.empty() || verb == "status") return status_json();
  if (verb == "who-gets") return who_gets(space == std::string_view::npos ? "" : request.substr(space + 1));
  if (verb == "subscriptions") return subscriptions_json();
  return dump(error_document("unknown request '" + verb + "'"));
}

std::string Daemon::subscriptions_json() const {
  using nlohmann::json;
  json doc;
  doc["buses"] = json::array();
  for (const auto& bus : buses_) {
    const Agent& agent = *bus->agent;
    json peers = json::array();
    for (const auto& p : agent.peers()) {
      json subscriptions = json::array();
      for (const auto& [id, pattern] : agent.peer_subscriptions(p.key)) {
        subscriptions.push_back({{"id", id}, {"pattern", pattern}});
      }
      peers.push_back({{"name", p.identity.name},
                       {"app_id", p.identity.app_id},
                       {"host", p.identity.host.empty() ? p.identity.ip : p.identity.host},
                       {"port", p.identity.port},
                       {"subscriptions", std::move(subscriptions)}});
    }
    doc["buses"].push_back(
        {{"id", bus->config.id}, {"spec", agent.bus().to_string()}, {"peers", std::move(peers)}});
  }
  return dump(doc);
}

std::string Daemon::status_line() const {
  std::size_t peers = 0;
  for (const auto& bus : buses_) peers += bus->agent->peer_count();
  std::string line = std::to_string(peers) + " peers on " + std::to_string(buses_.size()) +
                     (buses_.size() == 1 ? " bus, " : " buses, ") + std::to_string(static_cast<long>(message_rate_)) +
                     " msg/s";
  if (sink_) {
    const auto stats = sink_->stats();
    line += ", " + std::to_string(stats.written) + " records written";
    if (stats.dropped) line += ", " + std::to_string(stats.dropped) + " dropped";
    if (!stats.available) line += ", recorder unavailable";
  }
  if (shipper_) {
    const auto central = shipper_->stats();
    if (!central.connected) line += ", central store unreachable";
    if (central.backlog_rows > 0) line += ", " + std::to_string(central.backlog_rows) + " rows to ship";
  }
  return line;
}

std::string Daemon::status_json() const {
  using nlohmann::json;
  const auto now = std::chrono::steady_clock::now();
  json doc;
  doc["version"] = IVYD_VERSION;
  doc["pid"] = static_cast<long>(::getpid());
  doc["uptime_s"] = std::chrono::duration_cast<std::chrono::seconds>(now - started_at_).count();
  doc["message_rate"] = message_rate_;
  doc["buses"] = json::array();
  for (const auto& bus : buses_) {
    const Agent& agent = *bus->agent;
    json b;
    b["id"] = bus->config.id;
    b["spec"] = agent.bus().to_string();
    b["name"] = agent.name();
    b["app_id"] = agent.app_id();
    b["tcp_port"] = agent.tcp_port();
    b["recording"] = bus->recorder != nullptr;
    const auto& c = agent.counters();
    b["counters"] = {{"messages_received", c.messages_received}, {"messages_sent", c.messages_sent},
                     {"frames_sent", c.frames_sent},             {"frames_dropped", c.frames_dropped},
                     {"malformed_lines", c.malformed_lines},     {"unknown_msg_ids", c.unknown_msg_ids},
                     {"connect_failures", c.connect_failures},   {"duplicate_links", c.duplicate_links},
                     {"refused_peers", c.refused_peers},         {"bad_datagrams", agent.discovery().bad_datagrams()},
                     {"oversized_frames", c.oversized_frames},   {"refused_subscriptions", c.refused_subscriptions},
                     {"denied_peers", c.denied_peers},           {"handshake_timeouts", c.handshake_timeouts},
                     {"stalled_links", c.stalled_links},         {"reannounced_app_ids", c.reannounced_app_ids}};
    b["matcher"] = matcher_document(agent.matcher().stats());
    b["peers"] = json::array();
    for (const auto& p : agent.peers()) {
      b["peers"].push_back({{"name", p.identity.name},
                            {"host", p.identity.host.empty() ? p.identity.ip : p.identity.host},
                            {"port", p.identity.port},
                            {"app_id", p.identity.app_id},
                            {"ready", p.ready},
                            {"direction", p.outgoing ? "out" : "in"},
                            {"subscriptions", p.subscriptions},
                            {"queued_bytes", p.queued_bytes},
                            {"dropped_frames", p.dropped_frames},
                            {"malformed_lines", p.malformed_lines},
                            {"frames_received", p.frames_received},
                            {"last_seen_ms",
                             std::chrono::duration_cast<std::chrono::milliseconds>(now - p.last_seen).count()}});
    }
    doc["buses"].push_back(std::move(b));
  }
  doc["matcher_cache"] = matcher_cache_document(matcher_cache_.get());
  if (sink_) {
    const auto s = sink_->stats();
    doc["recorder"] = {{"enabled", true},       {"path", resolve_state_path(setup_.config.recorder.path)},
                       {"queued", s.queued},    {"peak_queued", s.peak_queued},
                       {"dropped", s.dropped},  {"written", s.written},
                       {"batches", s.batches},  {"files", s.files},
                       {"lag_ms", s.lag_ns / 1'000'000}, {"available", s.available},
                       {"last_error", s.last_error}};
  } else {
    doc["recorder"] = {{"enabled", false}};
  }
  if (shipper_) {
    doc["central"] = central_document(shipper_->stats());
  } else if (!central_error_.empty()) {
    const auto& central = *setup_.config.central;
    doc["central"] = {{"enabled", true},
                      {"site", central.site},
                      {"url", storage::redact_url(central.url)},
                      {"connected", false},
                      {"last_error", central_error_}};
  } else {
    doc["central"] = {{"enabled", false}};
  }
  doc["bridges"] = json::array();
  if (bridges_) {
    for (const auto& s : bridges_->status()) {
      const auto& c = s.counters;
      json entry =
          {{"id", s.id}, {"type", s.type}, {"state", s.state}, {"bus", s.local_bus}, {"far", s.far},
           {"interest_patterns", s.interest_patterns},
           {"counters",
            {{"carried_out", c.carried_out}, {"carried_in", c.carried_in},
             {"from_bridge_agents", c.from_bridge_agents}, {"filtered", c.filtered}, {"not_wanted", c.not_wanted},
             {"duplicates", c.duplicates}, {"emit_errors", c.emit_errors}, {"outage_dropped", c.outage_dropped},
             {"buffered", c.buffered}, {"connects", c.connects}, {"rejected", c.rejected}}}};
      if (s.tls) entry["tls"] = tls_document(*s.tls);
      if (s.broker) entry["broker"] = broker_document(*s.broker);
      doc["bridges"].push_back(std::move(entry));
    }
  }
  doc["metrics"] = {{"enabled", setup_.config.metrics.enabled}, {"listen", setup_.config.metrics.listen},
                    {"address", metrics_->address()}, {"per_peer", setup_.config.metrics.per_peer},
                    {"error", metrics_error_}};
  return dump(doc);
}

}  // namespace ivy::daemon
