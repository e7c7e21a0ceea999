// The `bridges` section of read_config (config_reader.hpp). Besides the
// per-key checks, this is where keys that only make sense for one bridge type
// or one link role are required or refused: that depends on other keys of
// the same object, which only the reader still sees as "present or absent".
#include "config/config_reader.hpp"

#include "config/enum_names.hpp"
#include "config/mqtt_reader.hpp"

namespace ivy::config {

namespace {

void refuse(ObjectReader& in, std::string_view key, const std::string& why) {
  if (in.child(key)) in.sink().at_value(in.path_of(key), "not allowed " + why);
}

// With TLS the token is optional: the certificates authenticate, and a token
// given as well is a second factor.
void read_token(ObjectReader& in, LinkConfig& out) {
  in.read("token", out.token);
  in.read("token_file", out.token_file);
  const bool has_token = in.child("token") != nullptr;
  const bool has_file = in.child("token_file") != nullptr;
  if (has_token && has_file) {
    in.sink().at_value(in.path_of("token_file"),
                       "give either \"token\" or \"token_file\", not both");
  } else if (!has_token && !has_file && !out.tls) {
    in.sink().at_value(in.path_of("token"),
                       "missing required key \"token\" (or \"token_file\", or \"tls\")");
  }
}

LinkTlsConfig read_tls(const nlohmann::json& value, const std::string& path, LinkRole role,
                       ProblemSink& sink) {
  LinkTlsConfig tls;
  ObjectReader in(value, path, sink);
  in.require("cert_file");
  in.read("cert_file", tls.cert_file);
  in.require("key_file");
  in.read("key_file", tls.key_file);
  in.read("ca_file", tls.ca_file);
  in.read("peer_fingerprints", tls.peer_fingerprints);
  if (in.ok() && !in.child("ca_file") && !in.child("peer_fingerprints")) {
    sink.at_value(path,
                  "give \"ca_file\" or \"peer_fingerprints\" (or both): the far side's "
                  "certificate must be checked against something");
  }
  if (role == LinkRole::kListen) {
    refuse(in, "server_name", "when role is \"listen\" (the dialer checks the listener's name)");
  } else {
    in.read("server_name", tls.server_name);
  }
  in.finish();
  return tls;
}

void read_link_endpoints(ObjectReader& in, LinkConfig& out) {
  if (!in.require("role") || !in.read_enum("role", out.role, kLinkRoleNames)) {
    in.child("listen");
    in.child("dial");
    return;
  }
  if (out.role == LinkRole::kListen) {
    in.require("listen");
    in.read("listen", out.listen);
    refuse(in, "dial", "when role is \"listen\"");
  } else {
    in.require("dial");
    in.read("dial", out.dial);
    refuse(in, "listen", "when role is \"dial\"");
  }
}

LinkConfig read_link(const nlohmann::json& value, const std::string& path, ProblemSink& sink) {
  LinkConfig link;
  ObjectReader in(value, path, sink);
  read_link_endpoints(in, link);
  if (const nlohmann::json* tls = in.child("tls"))
    link.tls = read_tls(*tls, in.path_of("tls"), link.role, sink);
  read_token(in, link);
  in.read_duration("reconnect_min_ms", link.reconnect_min, 10, 3'600'000);
  in.read_duration("reconnect_max_ms", link.reconnect_max, 10, 3'600'000);
  in.read_duration("keepalive_seconds", link.keepalive, 0, 3600);
  in.read_bytes("outage_buffer_bytes", link.outage_buffer_bytes, 0, kMaxBytes);
  in.finish();
  return link;
}

void read_type_specific(ObjectReader& in, BridgeConfig& out) {
  const std::string for_type = "for type \"" + std::string(to_string(out.type)) + "\"";
  if (out.type != BridgeType::kMqtt) refuse_mqtt_keys(in, for_type + " (only for type \"mqtt\")");
  if (out.type == BridgeType::kBus) {
    in.require("peer_bus");
    in.read("peer_bus", out.peer_bus);
    refuse(in, "link", "for type \"bus\" (only for type \"link\")");
    return;
  }
  refuse(in, "peer_bus", for_type + " (only for type \"bus\")");
  if (out.type == BridgeType::kMqtt) {
    refuse(in, "link", for_type + " (only for type \"link\")");
    refuse(in, "remote_name", for_type + ": the broker's side has no Ivy agent to name");
    read_mqtt(in, out.mqtt);
    return;
  }
  if (!in.require("link")) return;
  out.link = read_link(*in.child("link"), in.path_of("link"), in.sink());
}

BridgeConfig read_bridge(const nlohmann::json& value, const std::string& path, ProblemSink& sink) {
  BridgeConfig bridge;
  ObjectReader in(value, path, sink);
  in.require("id");
  in.read("id", bridge.id);
  in.read("enabled", bridge.enabled);
  in.require("bus");
  in.read("bus", bridge.bus);
  in.read_enum("direction", bridge.direction, kBridgeDirectionNames);
  in.read_enum("mode", bridge.mode, kBridgeModeNames);
  in.read("include", bridge.include);
  in.read("exclude", bridge.exclude);
  in.read("add_prefix", bridge.add_prefix);
  in.read("strip_prefix", bridge.strip_prefix);
  in.read("local_name", bridge.local_name);
  in.read("remote_name", bridge.remote_name);
  if (in.require("type") && in.read_enum("type", bridge.type, kBridgeTypeNames)) {
    read_type_specific(in, bridge);
  } else {  // unknown type: its keys are not checked, but are not "unknown" either
    in.child("peer_bus");
    in.child("link");
    ignore_mqtt_keys(in);
  }
  in.finish();
  return bridge;
}

}  // namespace

std::vector<BridgeConfig> read_bridges(const nlohmann::json& array, const std::string& path,
                                       ProblemSink& sink) {
  std::vector<BridgeConfig> bridges;
  for (std::size_t i = 0; i < array.size(); ++i) {
    bridges.push_back(read_bridge(array[i], index_path(path, i), sink));
  }
  return bridges;
}

}  // namespace ivy::config
