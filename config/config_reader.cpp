#include "config/config_reader.hpp"

#include <algorithm>

#include "config/enum_names.hpp"

namespace ivy::config {

namespace {

BusConfig read_bus(const nlohmann::json& value, const std::string& path, ProblemSink& sink) {
  BusConfig bus;
  ObjectReader in(value, path, sink);
  in.read("id", bus.id);
  in.read("spec", bus.spec);
  in.read("name", bus.name);
  in.read("ready_message", bus.ready_message);
  in.read_enum("die_policy", bus.die_policy, kDiePolicyNames);
  in.read_enum("capture_mode", bus.capture_mode, kCaptureModeNames);
  in.read("record", bus.record);
  in.read("static_peers", bus.static_peers);
  in.finish();
  return bus;
}

std::vector<BusConfig> read_buses(const nlohmann::json& array, const std::string& path,
                                  ProblemSink& sink) {
  std::vector<BusConfig> buses;
  for (std::size_t i = 0; i < array.size(); ++i) {
    buses.push_back(read_bus(array[i], index_path(path, i), sink));
  }
  return buses;
}

void read_recorder(ObjectReader& in, RecorderConfig& out) {
  in.read("enabled", out.enabled);
  in.read("path", out.path);
  in.read_integer("queue_size", out.queue_size, 16, 100'000'000);
  in.read_integer("batch_rows", out.batch_rows, 1, 1'000'000);
  in.read_duration("batch_interval_ms", out.batch_interval, 1, 100);
  in.read_bytes("rotate_bytes", out.rotate_bytes, 0, kMaxBytes);
  in.read_duration("rotate_seconds", out.rotate_interval, 0, kMaxSeconds);
  in.read_duration("retain_seconds", out.retain_duration, 0, kMaxSeconds);
  in.read_bytes("retain_bytes", out.retain_bytes, 0, kMaxBytes);
}

void read_limits(ObjectReader& in, LimitsConfig& out) {
  in.read_bytes("max_frame_bytes", out.max_frame_bytes, 256, 1ULL << 30);
  in.read_integer("max_subscriptions_per_peer", out.max_subscriptions_per_peer, 1, 10'000'000);
  in.read_integer("max_peers", out.max_peers, 1, 1'000'000);
  in.read_bytes("peer_queue_bytes", out.peer_queue_bytes, 1024, kMaxBytes);
  in.read_duration("stall_timeout_seconds", out.stall_timeout, 1, 86'400);
  in.read_duration("tcp_keepalive_seconds", out.tcp_keepalive, 0, 86'400);
}

// "0660" -> 0660. A JSON integer is refused: 660 would silently mean 01224.
void read_mode(ObjectReader& in, std::uint32_t& out) {
  const nlohmann::json* value = in.child("mode");
  if (!value) return;
  const std::string text = value->is_string() ? value->get<std::string>() : std::string();
  const bool octal =
      text.size() >= 3 && text.size() <= 4 &&
      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '7'; });
  if (!octal) {
    in.sink().at_value(in.path_of("mode"),
                       describe(*value) + ": expected an octal string such as \"0660\"");
    return;
  }
  out = static_cast<std::uint32_t>(std::stoul(text, nullptr, 8));
}

void read_status(ObjectReader& in, StatusConfig& out) {
  in.read("enabled", out.enabled);
  in.read("path", out.path);
  read_mode(in, out.mode);
  in.read("group", out.group);
}

std::vector<Network> read_networks(const nlohmann::json& array, const std::string& path,
                                   ProblemSink& sink) {
  std::vector<Network> networks;
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string element_path = index_path(path, i);
    if (!array[i].is_string()) {
      sink.at_value(element_path, "expected a CIDR string, got " + describe(array[i]));
      continue;
    }
    auto network = parse_network(array[i].get_ref<const std::string&>());
    if (!network) {
      sink.at_value(element_path, network.error().message);
      continue;
    }
    networks.push_back(*network);
  }
  return networks;
}

void read_central(ObjectReader& in, CentralConfig& out) {
  in.require("url");
  in.read("url", out.url);
  in.read("password_file", out.password_file);
  in.read("site", out.site);
  in.read_integer("batch_rows", out.batch_rows, 1, 1'000'000);
  in.read_duration("batch_interval_ms", out.batch_interval, 10, 3'600'000);
}

// A `metrics` section turns the endpoint on unless it says "enabled": false.
void read_metrics(ObjectReader& in, MetricsConfig& out) {
  out.enabled = true;
  in.read("enabled", out.enabled);
  in.read("listen", out.listen);
  in.read("per_peer", out.per_peer);
}

// Reads an optional object-valued section with `read`; absent = defaults.
template <class Section, class ReadFn>
void read_section(ObjectReader& root, std::string_view key, Section& out, ReadFn read) {
  const nlohmann::json* value = root.child(key);
  if (!value) return;
  ObjectReader in(*value, root.path_of(key), root.sink());
  read(in, out);
  in.finish();
}

}  // namespace

Config read_config(const nlohmann::json& document, ProblemSink& sink) {
  Config config = default_config();
  ObjectReader root(document, "", sink);
  if (const nlohmann::json* buses = root.array("buses")) {
    config.buses = read_buses(*buses, "buses", sink);
  }
  read_section(root, "recorder", config.recorder, read_recorder);
  if (const nlohmann::json* bridges = root.array("bridges")) {
    config.bridges = read_bridges(*bridges, "bridges", sink);
  }
  read_section(root, "limits", config.limits, read_limits);
  if (const nlohmann::json* networks = root.array("allowed_networks")) {
    config.allowed_networks = read_networks(*networks, "allowed_networks", sink);
  }
  read_section(root, "status", config.status, read_status);
  read_section(root, "matcher", config.matcher, [](ObjectReader& in, MatcherConfig& out) {
    in.read("cache_dir", out.cache_dir);
    in.read_bytes("cache_max_bytes", out.cache_max_bytes, 0, kMaxBytes);
  });
  read_section(root, "logging", config.logging, [](ObjectReader& in, LoggingConfig& out) {
    in.read_enum("level", out.level, kLogLevelNames);
  });
  if (root.child("central")) {
    config.central.emplace();
    read_section(root, "central", *config.central, read_central);
  }
  read_section(root, "metrics", config.metrics, read_metrics);
  root.finish();
  return config;
}

}  // namespace ivy::config
