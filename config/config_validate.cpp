#include "config/config_validate.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>

#include "config/address_check.hpp"
#include "config/central_check.hpp"
#include "config/fingerprint.hpp"
#include "config/json_positions.hpp"
#include "config/mqtt_validate.hpp"
#include "config/regex_check.hpp"
#include "config/suggest.hpp"

namespace ivy::config {

namespace {

class Checker {
 public:
  ConfigProblems take() { return std::move(problems_); }

  void add(std::string path, std::string message) {
    problems_.push_back(ConfigProblem{"", std::move(path), 0, 0, std::move(message)});
  }
  void check(const std::string& path, const Status& status) {
    if (!status) add(path, status.error().message);
  }
  // Reports `value` when an earlier entry of the same `kind` had it.
  void check_unique(std::map<std::string, std::string>& seen, const std::string& value,
                    const std::string& path, std::string_view kind) {
    auto [it, inserted] = seen.try_emplace(value, path);
    if (!inserted)
      add(path,
          "duplicate " + std::string(kind) + " \"" + value + "\" (first at " + it->second + ")");
  }

 private:
  ConfigProblems problems_;
};

bool is_identifier(std::string_view id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
  });
}

void check_id(Checker& checker, const std::string& path, std::string_view id) {
  if (!is_identifier(id)) {
    checker.add(path,
                "\"" + std::string(id) + "\": an id is 1 or more letters, digits, '-', '_' or '.'");
  }
}

void check_buses(Checker& checker, const std::vector<BusConfig>& buses) {
  if (buses.empty()) checker.add("buses", "at least one bus is required");
  std::map<std::string, std::string> ids, specs;
  for (std::size_t i = 0; i < buses.size(); ++i) {
    const BusConfig& bus = buses[i];
    const std::string path = index_path("buses", i);
    check_id(checker, child_path(path, "id"), bus.id);
    checker.check_unique(ids, bus.id, child_path(path, "id"), "bus id");
    checker.check(child_path(path, "spec"), check_bus_spec(bus.spec));
    checker.check_unique(specs, bus.spec, child_path(path, "spec"), "bus spec");
    if (bus.name.empty()) checker.add(child_path(path, "name"), "the agent name must not be empty");
    for (std::size_t p = 0; p < bus.static_peers.size(); ++p) {
      checker.check(index_path(child_path(path, "static_peers"), p),
                    check_host_port(bus.static_peers[p]));
    }
  }
}

void check_bus_reference(Checker& checker, const Config& config, const std::string& path,
                         const std::string& id) {
  std::vector<std::string_view> ids;
  for (const auto& bus : config.buses) ids.push_back(bus.id);
  if (std::find(ids.begin(), ids.end(), id) != ids.end()) return;
  std::string message = "no bus with id \"" + id + "\"";
  if (auto near = suggest(id, ids)) message += " (did you mean \"" + *near + "\"?)";
  checker.add(path, message);
}

void check_patterns(Checker& checker, const std::string& path,
                    const std::vector<std::string>& patterns) {
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    checker.check(index_path(path, i), check_regex(patterns[i]));
  }
}

void check_tls(Checker& checker, const std::string& path, const LinkTlsConfig& tls) {
  if (tls.cert_file.empty()) checker.add(child_path(path, "cert_file"), "must not be empty");
  if (tls.key_file.empty()) checker.add(child_path(path, "key_file"), "must not be empty");
  for (std::size_t i = 0; i < tls.peer_fingerprints.size(); ++i) {
    const auto parsed = parse_fingerprint(tls.peer_fingerprints[i]);
    if (!parsed)
      checker.add(index_path(child_path(path, "peer_fingerprints"), i), parsed.error().message);
  }
  const bool blank = std::any_of(tls.server_name.begin(), tls.server_name.end(),
                                 [](unsigned char c) { return c <= ' ' || c == 0x7F; });
  if (blank)
    checker.add(child_path(path, "server_name"), "\"" + tls.server_name + "\": not a host name");
}

void check_link(Checker& checker, const std::string& path, const LinkConfig& link,
                std::map<std::string, std::string>& listens) {
  if (link.role == LinkRole::kListen) {
    checker.check(child_path(path, "listen"), check_host_port(link.listen));
    checker.check_unique(listens, link.listen, child_path(path, "listen"), "listen address");
  } else if (link.dial.empty()) {
    checker.add(child_path(path, "dial"), "at least one address to dial is required");
  }
  for (std::size_t i = 0; i < link.dial.size(); ++i) {
    checker.check(index_path(child_path(path, "dial"), i), check_host_port(link.dial[i]));
  }
  if (link.tls) check_tls(checker, child_path(path, "tls"), *link.tls);
  const bool no_token = link.token.empty() && link.token_file.empty();
  if (link.token_file.empty() && !(no_token && link.tls) && link.token.size() < kMinTokenLength) {
    checker.add(child_path(path, "token"), "the shared token must be at least " +
                                               std::to_string(kMinTokenLength) + " characters");
  }
  if (link.reconnect_min > link.reconnect_max) {
    checker.add(
        child_path(path, "reconnect_min_ms"),
        "must not exceed reconnect_max_ms (" + std::to_string(link.reconnect_max.count()) + ")");
  }
}

void check_mqtt(Checker& checker, const BridgeConfig& bridge, const std::string& path,
                std::map<std::string, std::string>& clients) {
  for (auto& problem : check_mqtt_bridge(bridge, path)) checker.add(problem.path, problem.message);
  // Two connections with one client id make the broker drop the older one,
  // each time the other reconnects: the bridges would take turns forever.
  if (const std::string key = mqtt_client_key(bridge); !key.empty()) {
    checker.check_unique(clients, key, child_path(path, "client_id"), "client id on this broker");
  }
}

void check_bridges(Checker& checker, const Config& config) {
  std::map<std::string, std::string> ids, listens, mqtt_clients;
  for (std::size_t i = 0; i < config.bridges.size(); ++i) {
    const BridgeConfig& bridge = config.bridges[i];
    const std::string path = index_path("bridges", i);
    check_id(checker, child_path(path, "id"), bridge.id);
    checker.check_unique(ids, bridge.id, child_path(path, "id"), "bridge id");
    check_bus_reference(checker, config, child_path(path, "bus"), bridge.bus);
    check_patterns(checker, child_path(path, "include"), bridge.include);
    check_patterns(checker, child_path(path, "exclude"), bridge.exclude);
    if (bridge.type == BridgeType::kLink) {
      check_link(checker, child_path(path, "link"), bridge.link, listens);
      continue;
    }
    if (bridge.type == BridgeType::kMqtt) {
      check_mqtt(checker, bridge, path, mqtt_clients);
      continue;
    }
    check_bus_reference(checker, config, child_path(path, "peer_bus"), bridge.peer_bus);
    if (!bridge.peer_bus.empty() && bridge.peer_bus == bridge.bus) {
      checker.add(child_path(path, "peer_bus"), "a bridge joins two different buses");
    }
  }
}

void check_recorder_and_status(Checker& checker, const Config& config) {
  const RecorderConfig& recorder = config.recorder;
  if (recorder.enabled && recorder.path.empty()) checker.add("recorder.path", "must not be empty");
  const bool rotates = recorder.rotate_bytes > 0 || recorder.rotate_interval.count() > 0;
  const bool retains = recorder.retain_bytes > 0 || recorder.retain_duration.count() > 0;
  if (retains && !rotates) {
    checker.add(recorder.retain_bytes > 0 ? "recorder.retain_bytes" : "recorder.retain_seconds",
                "retention applies to rotated files: set rotate_bytes or rotate_seconds too");
  }
  if (config.status.enabled && config.status.path.empty())
    checker.add("status.path", "must not be empty");
}

// The central store copies the local recording (the journal): no recording,
// nothing to ship.
void check_central(Checker& checker, const Config& config) {
  if (!config.central) return;
  const CentralConfig& central = *config.central;
  checker.check("central.url", check_central_url(central.url));
  if (!central.site.empty()) checker.check("central.site", check_site_name(central.site));
  if (!central.password_file.empty() && url_has_password(central.url)) {
    checker.add("central.password_file",
                "the url already holds a password: give it either there or in password_file, not both");
  }
  if (!config.recorder.enabled) {
    checker.add("central", "shipping to a central store needs the local recording (recorder.enabled)");
  }
}

// Checked even when disabled, so that turning it on later does not reveal it.
void check_metrics(Checker& checker, const MetricsConfig& metrics) {
  checker.check("metrics.listen", check_ipv4_listen(metrics.listen));
}

}  // namespace

ConfigProblems validate(const Config& config) {
  Checker checker;
  check_buses(checker, config.buses);
  check_bridges(checker, config);
  check_recorder_and_status(checker, config);
  check_central(checker, config);
  check_metrics(checker, config.metrics);
  return checker.take();
}

}  // namespace ivy::config
