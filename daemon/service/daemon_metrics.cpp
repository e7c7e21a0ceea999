// The Daemon's Prometheus metrics (daemon/service/daemon.hpp): the endpoint's
// lifecycle, and the one place that maps ivyd's stats structs to metric
// families (collect_metrics). A new source is a function add_<source>(set,
// stats) below and one call in collect_metrics().
//
// Conventions (https://prometheus.io/docs/practices/naming/): every name
// starts with `ivyd_`; counters end in `_total` and are the daemon's own
// monotonic counters (they start again from 0 when a bus or bridge is
// restarted by a reload, which Prometheus reads as a counter reset); gauges
// are values of now; units are in the name (`_seconds`, `_bytes`). Labels:
// `bus` (a bus id), `bridge` (a bridge id), and with metrics.per_peer
// `peer` (agent name) and `address` (its host:port); `site` (the central
// store's name for this ivyd).
#include "daemon/service/daemon.hpp"

#include <chrono>

#include "daemon/bridges/bridges.hpp"
#include "daemon/service/daemon_bus.hpp"
#include "daemon/service/metric_set.hpp"
#include "daemon/service/metrics_server.hpp"
#include "storage/central_shipper.hpp"

namespace ivy::daemon {
namespace {

struct BusCounter {
  const char* name;
  const char* help;
  std::uint64_t Agent::Counters::*field;
};

// Agent::Counters, one counter each, labelled by bus.
constexpr BusCounter kBusCounters[] = {
    {"ivyd_messages_received_total", "MSG frames received for ivyd's own subscriptions",
     &Agent::Counters::messages_received},
    {"ivyd_messages_sent_total", "Messages ivyd published that matched some peer", &Agent::Counters::messages_sent},
    {"ivyd_frames_sent_total", "MSG frames queued to peers", &Agent::Counters::frames_sent},
    {"ivyd_frames_dropped_total", "MSG frames dropped because a peer's outbound queue was full",
     &Agent::Counters::frames_dropped},
    {"ivyd_malformed_lines_total", "Lines from peers that are not Ivy frames", &Agent::Counters::malformed_lines},
    {"ivyd_unknown_msg_ids_total", "MSG frames for a regexp id ivyd does not hold", &Agent::Counters::unknown_msg_ids},
    {"ivyd_oversized_frames_total", "Lines over limits.max_frame_bytes, skipped", &Agent::Counters::oversized_frames},
    {"ivyd_refused_subscriptions_total", "Subscriptions refused (over the per-peer limit or too long)",
     &Agent::Counters::refused_subscriptions},
    {"ivyd_connect_failures_total", "Connections to announced agents that failed", &Agent::Counters::connect_failures},
    {"ivyd_duplicate_links_total", "Second links to one agent, closed", &Agent::Counters::duplicate_links},
    {"ivyd_refused_peers_total", "Links refused over limits.max_peers", &Agent::Counters::refused_peers},
    {"ivyd_denied_peers_total", "Links refused by allowed_networks", &Agent::Counters::denied_peers},
    {"ivyd_handshake_timeouts_total", "Links closed before their END_REGEXP", &Agent::Counters::handshake_timeouts},
    {"ivyd_stalled_links_total", "Links closed after limits.stall_timeout_seconds with a full queue",
     &Agent::Counters::stalled_links},
    {"ivyd_reannounced_app_ids_total", "Linked agents announced again from a new port",
     &Agent::Counters::reannounced_app_ids},
};

void add_bus(MetricSet& set, const std::string& id, Agent& agent) {
  const MetricLabels bus{{"bus", id}};
  const auto& counters = agent.counters();
  for (const auto& c : kBusCounters) set.counter(c.name, c.help, bus, static_cast<double>(counters.*c.field));
  set.counter("ivyd_bad_datagrams_total", "UDP datagrams on the bus port that are not announcements", bus,
              static_cast<double>(agent.discovery().bad_datagrams()));
  set.counter("ivyd_match_errors_total", "Subscriptions skipped while matching because PCRE2 hit a limit", bus,
              static_cast<double>(agent.matcher().match_errors()));
  set.gauge("ivyd_peers", "Agents linked now", bus, static_cast<double>(agent.peer_count()));
  set.gauge("ivyd_subscriptions", "Regexps the peers hold now", bus,
            static_cast<double>(agent.matcher().subscription_count()));
}

// Where the bus's peer patterns are matched (docs/matcher.md): a pattern
// long on the side list is matched by the PCRE2 loop, the slow path.
void add_matcher(MetricSet& set, const std::string& id, const MatcherStats& m) {
  const char* where = "Distinct peer patterns by where they are matched now";
  const auto at = [&](const char* place) { return MetricLabels{{"bus", id}, {"where", place}}; };
  set.gauge("ivyd_matcher_patterns", where, at("hyperscan"),
            static_cast<double>(m.hyperscan_patterns));
  set.gauge("ivyd_matcher_patterns", where, at("side_list"),
            static_cast<double>(m.side_list_patterns));
  set.gauge("ivyd_matcher_patterns", where, at("pcre2_only"),
            static_cast<double>(m.fallback_patterns));
  const MetricLabels bus{{"bus", id}};
  set.counter("ivyd_matcher_compiles_total", "Hyperscan databases compiled", bus,
              static_cast<double>(m.compiles));
  set.counter("ivyd_matcher_cache_hits_total", "Hyperscan databases loaded from the cache instead",
              bus, static_cast<double>(m.cache_hits));
  set.gauge("ivyd_matcher_database_bytes", "Size of the Hyperscan databases in use", bus,
            static_cast<double>(m.database_bytes));
}

// metrics.per_peer: label cardinality grows with the agents, hence an option.
void add_peers(MetricSet& set, const std::string& id, const Agent& agent) {
  for (const auto& p : agent.peers()) {
    const std::string host = p.identity.host.empty() ? p.identity.ip : p.identity.host;
    const MetricLabels peer{{"bus", id}, {"peer", p.identity.name}, {"address", host + ":" + std::to_string(p.identity.port)}};
    set.gauge("ivyd_peer_subscriptions", "Regexps this peer holds", peer, static_cast<double>(p.subscriptions));
    set.gauge("ivyd_peer_queued_bytes", "Bytes waiting in this peer's outbound queue", peer,
              static_cast<double>(p.queued_bytes));
    set.counter("ivyd_peer_frames_dropped_total", "Frames to this peer dropped (queue full)", peer,
                static_cast<double>(p.dropped_frames));
    set.counter("ivyd_peer_frames_received_total", "Frames received from this peer", peer,
                static_cast<double>(p.frames_received));
    set.counter("ivyd_peer_malformed_lines_total", "Lines from this peer that are not Ivy frames", peer,
                static_cast<double>(p.malformed_lines));
  }
}

void add_recorder(MetricSet& set, const storage::SinkStats& s) {
  set.counter("ivyd_recorder_written_total", "Records committed to the recording", {}, static_cast<double>(s.written));
  set.counter("ivyd_recorder_dropped_total", "Records lost (queue full or storage down)", {},
              static_cast<double>(s.dropped));
  set.counter("ivyd_recorder_batches_total", "Transactions committed", {}, static_cast<double>(s.batches));
  set.gauge("ivyd_recorder_queue_depth", "Records waiting for the writer now", {}, static_cast<double>(s.queued));
  set.gauge("ivyd_recorder_peak_queue_depth", "Highest queue depth seen", {}, static_cast<double>(s.peak_queued));
  set.gauge("ivyd_recorder_lag_seconds", "Age of the oldest record of the last batch when it was committed", {},
            static_cast<double>(s.lag_ns) / 1e9);
  set.gauge("ivyd_recorder_available", "1 while the recording can be written, 0 while storage fails", {},
            s.available ? 1 : 0);
  set.gauge("ivyd_recorder_files", "Recording files opened (1 + rotations + recoveries)", {},
            static_cast<double>(s.files));
}

// An MQTT gateway's broker side (docs/bridge.md, "MQTT gateway").
void add_broker(MetricSet& set, const MetricLabels& bridge, const BrokerStatus& b) {
  const auto d = [](std::uint64_t n) { return static_cast<double>(n); };
  set.counter("ivyd_mqtt_published_total", "Messages handed to the MQTT broker", bridge, d(b.published));
  set.counter("ivyd_mqtt_acknowledged_total", "Published messages written (QoS 0) or acknowledged (QoS 1, 2)", bridge,
              d(b.acknowledged));
  set.gauge("ivyd_mqtt_in_flight", "Published messages not yet written or acknowledged", bridge, d(b.in_flight));
  set.counter("ivyd_mqtt_publish_errors_total", "Messages libmosquitto or the broker refused", bridge,
              d(b.publish_errors));
  set.counter("ivyd_mqtt_received_total", "Messages from the broker, before any filter", bridge, d(b.received));
  set.counter("ivyd_mqtt_echoes_total", "Messages from the broker that the bridge had published itself", bridge,
              d(b.echoes));
  set.counter("ivyd_mqtt_connect_failures_total", "Connection attempts that failed", bridge, d(b.connect_failures));
  set.counter("ivyd_mqtt_connections_lost_total", "Broker connections lost", bridge, d(b.lost));
}

void add_bridge(MetricSet& set, const BridgeStatus& s) {
  const auto& c = s.counters;
  const auto labels = [&](const char* name, const char* value) {
    return MetricLabels{{"bridge", s.id}, {name, value}};
  };
  const char* carried = "Messages the bridge carried";
  set.counter("ivyd_bridge_carried_total", carried, labels("direction", "out"), static_cast<double>(c.carried_out));
  set.counter("ivyd_bridge_carried_total", carried, labels("direction", "in"), static_cast<double>(c.carried_in));
  const char* dropped = "Messages the bridge did not carry, by reason";
  const std::pair<const char*, std::uint64_t> reasons[] = {
      {"filtered", c.filtered},      {"not_wanted", c.not_wanted},         {"duplicate", c.duplicates},
      {"loop", c.from_bridge_agents}, {"emit_error", c.emit_errors},        {"outage", c.outage_dropped}};
  for (const auto& [reason, n] : reasons) {
    set.counter("ivyd_bridge_dropped_total", dropped, labels("reason", reason), static_cast<double>(n));
  }
  const MetricLabels bridge{{"bridge", s.id}};
  set.gauge("ivyd_bridge_connected", "1 when the bridge carries (bus bridge running, link or broker connected)", bridge,
            s.state == "running" || s.state == "connected" ? 1 : 0);
  set.gauge("ivyd_bridge_outage_buffered", "Messages held while the link is down", bridge,
            static_cast<double>(c.buffered));
  set.counter("ivyd_bridge_connects_total", "Link handshakes completed", bridge, static_cast<double>(c.connects));
  set.counter("ivyd_bridge_rejected_total", "Link handshakes refused (token, version, bridge id)", bridge,
              static_cast<double>(c.rejected));
  if (s.broker) add_broker(set, bridge, *s.broker);
}

// The shipper to the central store (storage/shipper_stats.hpp). The backlog
// is left out until the store was reached once (it is not known before).
void add_central(MetricSet& set, const storage::ShipperStats& s) {
  const MetricLabels site{{"site", s.site}};
  set.counter("ivyd_central_shipped_rows_total", "Rows (messages and events) stored in the central store", site,
              static_cast<double>(s.shipped_rows));
  set.counter("ivyd_central_shipped_messages_total", "Messages stored in the central store", site,
              static_cast<double>(s.shipped_messages));
  set.counter("ivyd_central_batches_total", "Transactions committed to the central store", site,
              static_cast<double>(s.batches));
  set.counter("ivyd_central_errors_total", "Failed attempts to reach or write the central store", site,
              static_cast<double>(s.errors));
  set.counter("ivyd_central_lost_rows_total", "Rows local retention deleted before they were shipped", site,
              static_cast<double>(s.lost_rows));
  set.gauge("ivyd_central_connected", "1 when the central store answered the last call", site, s.connected ? 1 : 0);
  if (s.backlog_rows >= 0) {
    set.gauge("ivyd_central_backlog_rows", "Rows recorded locally, not yet in the central store", site,
              static_cast<double>(s.backlog_rows));
  }
  set.gauge("ivyd_central_backlog_files", "Local files not yet shipped completely", site,
            static_cast<double>(s.backlog_files));
  if (s.last_ship_ns != 0) {
    set.gauge("ivyd_central_last_shipped_timestamp_seconds", "When the last batch was committed (Unix time)", site,
              static_cast<double>(s.last_ship_ns) / 1e9);
  }
}

}  // namespace

MetricSet Daemon::collect_metrics() const {
  MetricSet set;
  set.gauge("ivyd_uptime_seconds", "Seconds since ivyd started", {},
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at_).count());
  for (const auto& bus : buses_) {
    add_bus(set, bus->config.id, *bus->agent);
    add_matcher(set, bus->config.id, bus->agent->matcher().stats());
    if (setup_.config.metrics.per_peer) add_peers(set, bus->config.id, *bus->agent);
  }
  if (sink_) add_recorder(set, sink_->stats());
  if (shipper_) add_central(set, shipper_->stats());
  if (bridges_) {
    for (const auto& s : bridges_->status()) add_bridge(set, s);
  }
  return set;
}

// At start and on every reload that changed `metrics`: a change of per_peer
// alone keeps the endpoint (and its port) and is seen by the next publish.
void Daemon::open_metrics() {
  const auto& mc = setup_.config.metrics;
  if (mc.enabled && mc.listen == metrics_listen_ && !metrics_->address().empty()) return publish_metrics();
  metrics_error_.clear();
  metrics_listen_.clear();
  if (!mc.enabled) {
    metrics_->close();
    return;
  }
  if (auto st = metrics_->open(mc.listen); !st) {
    // Not fatal, like the status socket: the bus matters more than its
    // dashboard. A reload tries again.
    metrics_error_ = st.error().message;
    log_.error(metrics_error_ + " (metrics are off)");
    return;
  }
  metrics_listen_ = mc.listen;
  publish_metrics();
  log_.info("metrics on http://" + metrics_->address() + "/metrics");
}

void Daemon::publish_metrics() {
  if (!metrics_->address().empty()) metrics_->publish(collect_metrics().take());
}

}  // namespace ivy::daemon
