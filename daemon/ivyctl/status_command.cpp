// ivyctl status / ivyctl who: ask the running daemon over its status socket.
#include <iostream>

#include <nlohmann/json.hpp>

#include "core/result.hpp"
#include "daemon/ivyctl/command_args.hpp"
#include "daemon/ivyctl/commands.hpp"
#include "daemon/ivyctl/daemon_socket.hpp"
#include "daemon/ivyctl/entry_format.hpp"

namespace po = boost::program_options;
using nlohmann::json;

namespace ivy::ctl {
namespace {

std::string s(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// One line: where the bus's peer patterns are matched, and what it cost.
void print_matcher(const json& m) {
  if (!m.is_object()) return;
  std::cout << "  matcher: " << s(m, "patterns") << " patterns, " << s(m, "hyperscan_patterns") << " in Hyperscan, "
            << s(m, "side_list_patterns") << " on the side list, " << s(m, "fallback_patterns") << " PCRE2 only; "
            << s(m, "compiles") << " compiles, " << s(m, "cache_hits") << " cache hits\n";
}

void print_matcher_cache(const json& c) {
  if (!c.is_object()) return;
  if (!c.value("enabled", false)) {
    std::cout << "\nHyperscan cache: off\n";
    return;
  }
  std::cout << "\nHyperscan cache: " << s(c, "dir") << " (" << s(c, "files") << " files, " << s(c, "bytes")
            << " of " << s(c, "max_bytes") << " bytes; " << s(c, "hits") << " hits, " << s(c, "rejected")
            << " rejected)\n";
}

// A time in ns since the epoch, or `none` (JSON null).
std::string time_text(const json& ns, const char* none) {
  return ns.is_number() ? format_time(ns.get<std::int64_t>(), TimeZone::kLocal) : none;
}

// The central store the recording is shipped to (absent in a daemon from
// before issue 15, off when `central` is not configured).
void print_central(const json& c) {
  if (!c.value("enabled", false)) return;
  std::cout << "\ncentral: " << s(c, "url") << (c.contains("site") ? " as site '" + s(c, "site") + "'" : "")
            << (c.value("connected", false) ? "" : " (UNREACHABLE)") << "\n";
  if (c.contains("shipped_rows")) {
    const auto& backlog = c["backlog_rows"];
    std::cout << "  shipped " << s(c, "shipped_rows") << " rows (" << s(c, "shipped_messages") << " messages) in "
              << s(c, "batches") << " batches, backlog "
              << (backlog.is_number() ? backlog.dump() + " rows in " + s(c, "backlog_files") +
                                            (c.value("backlog_files", 0) == 1 ? " file" : " files")
                                      : std::string("unknown (store not reached yet)"))
              << "\n  last row shipped: " << time_text(c["last_row_ns"], "none yet")
              << " (at " << time_text(c["last_shipped_ns"], "-") << ")\n";
  }
  if (c.value("gaps", 0) > 0) {
    std::cout << "  gaps: " << s(c, "gaps") << " local files deleted before they were shipped (" << s(c, "lost_rows")
              << " rows lost)\n";
  }
  if (!s(c, "last_error").empty()) {
    std::cout << "  last error: " << s(c, "last_error");
    if (c.contains("last_error_ns") && c["last_error_ns"].is_number()) {
      std::cout << " (" << time_text(c["last_error_ns"], "") << ")";
    }
    std::cout << "\n";
  }
}

// A link bridge's TLS in one line: the session and both certificates' expiry.
void print_bridge_tls(const json& bridge) {
  const auto it = bridge.find("tls");
  if (it == bridge.end() || !it->is_object()) return;
  const json& t = *it;
  if (!t.value("enabled", false)) {
    std::cout << "  tls: off (plaintext link)\n";
    return;
  }
  std::cout << "  tls: ";
  if (s(t, "protocol").empty()) std::cout << "not connected";
  else std::cout << s(t, "protocol") << " " << s(t, "cipher") << "; peer " << s(t, "peer_subject") << " until "
                 << s(t, "peer_not_after");
  std::cout << "; our certificate " << s(t, "cert_subject") << " until " << s(t, "cert_not_after") << "\n";
}

// An MQTT gateway: its broker connection, then what went each way.
void print_mqtt_bridge(const json& b) {
  const auto& broker = b["broker"];
  const auto& c = b["counters"];
  const auto& bc = broker["counters"];
  std::cout << "bridge " << s(b, "id") << ": mqtt, " << s(broker, "state") << " to " << s(broker, "url") << " as '"
            << s(broker, "client_id") << "'\n"
            << "  out " << s(c, "carried_out") << " (published " << s(bc, "published") << ", acknowledged "
            << s(bc, "acknowledged") << ", in flight " << s(bc, "in_flight") << ", buffered " << s(c, "buffered")
            << ", dropped " << s(c, "outage_dropped") << ", errors " << s(bc, "publish_errors") << ")\n"
            << "  in " << s(c, "carried_in") << " (received " << s(bc, "received") << ", filtered " << s(c, "filtered")
            << ", echoes " << s(bc, "echoes") << ", duplicates " << s(c, "duplicates") << ")\n"
            << "  connections " << s(c, "connects") << ", lost " << s(bc, "lost") << ", failed attempts "
            << s(bc, "connect_failures") << ", refused " << s(c, "rejected") << "\n";
  if (!s(broker, "last_error").empty()) std::cout << "  last error: " << s(broker, "last_error") << "\n";
}

void print_status(const json& doc) {
  std::cout << "ivyd " << s(doc, "version") << ", pid " << s(doc, "pid") << ", up " << s(doc, "uptime_s")
            << " s, " << static_cast<long>(doc.value("message_rate", 0.0)) << " msg/s\n";
  for (const auto& bus : doc.value("buses", json::array())) {
    std::cout << "\nbus " << s(bus, "id") << ": " << s(bus, "spec") << " as '" << s(bus, "name") << "' (tcp port "
              << s(bus, "tcp_port") << (bus.value("recording", false) ? ", recording" : "") << ")\n";
    const auto& c = bus["counters"];
    std::cout << "  received " << s(c, "messages_received") << ", sent " << s(c, "frames_sent") << " frames, dropped "
              << s(c, "frames_dropped") << ", malformed " << s(c, "malformed_lines") << ", connect failures "
              << s(c, "connect_failures") << "\n";
    // The protective counters (limits, timeouts, refusals): only those that
    // moved, so a quiet bus stays a short report; --json has them all.
    std::string guards;
    for (const char* key : {"bad_datagrams", "refused_peers", "denied_peers", "handshake_timeouts",
                            "oversized_frames", "refused_subscriptions", "unknown_msg_ids", "duplicate_links",
                            "stalled_links", "reannounced_app_ids"}) {
      const auto it = c.find(key);
      if (it == c.end() || !it->is_number() || it->get<double>() == 0) continue;
      guards += (guards.empty() ? "" : ", ") + std::string(key) + " " + it->dump();
    }
    if (!guards.empty()) std::cout << "  " << guards << "\n";
    print_matcher(bus.value("matcher", json()));
    std::cout << "  peers:\n";
    for (const auto& p : bus.value("peers", json::array())) {
      std::cout << "    " << s(p, "name") << "@" << s(p, "host") << ":" << s(p, "port") << "  subs "
                << s(p, "subscriptions") << ", queue " << s(p, "queued_bytes") << " B, dropped "
                << s(p, "dropped_frames") << ", seen " << s(p, "last_seen_ms") << " ms ago"
                << (p.value("ready", false) ? "" : " (handshaking)") << "\n";
    }
  }
  print_matcher_cache(doc.value("matcher_cache", json()));
  const auto& r = doc["recorder"];
  if (r.value("enabled", false)) {
    std::cout << "\nrecorder: " << s(r, "path") << (r.value("available", true) ? "" : " (UNAVAILABLE)")
              << "\n  written " << s(r, "written") << ", queued " << s(r, "queued") << " (peak "
              << s(r, "peak_queued") << "), dropped " << s(r, "dropped") << ", lag " << s(r, "lag_ms") << " ms\n";
    if (!s(r, "last_error").empty()) std::cout << "  last error: " << s(r, "last_error") << "\n";
  } else {
    std::cout << "\nrecorder: off\n";
  }
  print_central(doc.value("central", json::object()));
  for (const auto& b : doc.value("bridges", json::array())) {
    if (b.contains("broker")) {
      print_mqtt_bridge(b);
      continue;
    }
    std::cout << "bridge " << s(b, "id") << ": " << b.dump() << "\n";
    print_bridge_tls(b);
  }
  const auto metrics = doc.value("metrics", json::object());
  if (metrics.value("enabled", false)) {
    std::cout << "metrics: "
              << (s(metrics, "address").empty() ? "not serving: " + s(metrics, "error")
                                                 : "http://" + s(metrics, "address") + "/metrics")
              << "\n";
  }
}

void print_who(const json& doc) {
  for (const auto& bus : doc.value("buses", json::array())) {
    for (const auto& p : bus.value("peers", json::array())) {
      std::cout << s(p, "name") << "\t" << s(p, "host") << ":" << s(p, "port") << "\t" << s(bus, "id") << "\t"
                << s(p, "app_id") << "\n";
    }
  }
}

int run_status_like(const char* name, const char* caption, bool who, int argc, char** argv) {
  std::string socket_path = kDefaultSocket;
  bool as_json = false;
  po::options_description desc(caption);
  desc.add_options()("help,h", "show this help and exit")(
      "socket", po::value(&socket_path)->value_name("PATH")->default_value(kDefaultSocket),
      "the daemon's status socket (status.path in its config)")("json", po::bool_switch(&as_json),
                                                                "print the daemon's JSON document");
  po::variables_map vm;
  int exit_code = kExitOk;
  const CommandSpec spec{name, &desc, nullptr, nullptr,
                         "Exit status: 0 success, 1 the daemon cannot be reached, 2 bad usage.\n"};
  if (!parse_command_args(spec, argc, argv, vm, exit_code)) return exit_code;
  auto reply = ask_daemon(socket_path, "status");
  if (!reply) {
    std::cerr << "ivyctl " << name << ": " << reply.error().message << "\n";
    return kExitFailure;
  }
  const json doc = json::parse(*reply, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    std::cerr << "ivyctl " << name << ": the daemon's reply is not a status document\n";
    return kExitFailure;
  }
  if (as_json) std::cout << doc.dump(2) << "\n";
  else if (who) print_who(doc);
  else print_status(doc);
  return kExitOk;
}

}  // namespace

int run_status(int argc, char** argv) {
  return run_status_like("status",
                         "usage: ivyctl status [--socket PATH] [--json]\n\n"
                         "Shows the running daemon: buses, peers (subscriptions, queue, drops, last\n"
                         "seen), message rate, recorder state, the central store it ships to (rows\n"
                         "shipped, backlog, last row shipped, last error) and bridge links (an MQTT\n"
                         "bridge: its broker connection and counters).\n\nOptions",
                         false, argc, argv);
}

int run_who(int argc, char** argv) {
  return run_status_like("who",
                         "usage: ivyctl who [--socket PATH] [--json]\n\n"
                         "Lists the agents on the daemon's buses now: name, address, bus, app-id.\n\nOptions",
                         true, argc, argv);
}

}  // namespace ivy::ctl
