#pragma once
// What every bridge (BusBridge, LinkBridge, MqttBridge) shares with the Bridges manager
// and the daemon: the mode, the hooks the daemon may set, and the status
// counters `ivyctl status` shows.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace ivy::daemon {

// kAll carries every message that passes the filters; kInterest only those
// that some agent on the destination side subscribes to (docs/bridge.md).
enum class BridgeMode { kAll, kInterest };

// One message a bridge emitted: for the recorder ("re-emitted on `dest_bus`,
// first sent by `origin_agent` on `origin_bus`").
struct BridgedMessage {
  std::string bridge_id;
  std::string dest_bus;
  std::string origin_bus;
  std::string origin_agent;
  std::string text;  // as emitted (after any prefix change)
  // Emitted by the bus's own agent, which never hears its own sends. False:
  // by a dedicated agent (local_name / remote_name), an ordinary peer of the
  // bus's agent, whose recorder already sees the message.
  bool via_bus_agent = true;
};

struct BridgeHooks {
  // Called after each emission, on the io_context thread. Optional.
  std::function<void(const BridgedMessage&)> on_bridged;
  // Asked before each emission: true = a copy of this message already came
  // by another path (the dedup window of `dest_bus`); it is then not emitted.
  // Optional: without it nothing is a duplicate.
  std::function<bool(const std::string& dest_bus, std::string_view origin_agent, std::string_view text,
                     std::string_view path)>
      is_duplicate;
};

struct BridgeCounters {
  std::uint64_t carried_out = 0;       // local -> far
  std::uint64_t carried_in = 0;        // far -> local
  std::uint64_t from_bridge_agents = 0;  // not carried: loop prevention
  std::uint64_t filtered = 0;          // include / exclude / empty
  std::uint64_t not_wanted = 0;        // interest mode: nobody on the far side subscribes
  std::uint64_t duplicates = 0;        // dedup window, or a link message already seen
  std::uint64_t emit_errors = 0;       // the text cannot go on the Ivy wire (LF, ETX, NUL)
  std::uint64_t outage_dropped = 0;    // link, mqtt: dropped from or refused by the outage buffer
  std::uint64_t buffered = 0;          // link, mqtt: messages now in the outage buffer
  std::uint64_t connects = 0;          // link: handshakes completed; mqtt: broker connections
  std::uint64_t rejected = 0;          // link: handshakes refused (token, version, bridge id, TLS); mqtt: CONNACK refusals
};

// The TLS of a link bridge (docs/bridge.md, "TLS"): off, or the certificate
// in use (after a SIGHUP, the reloaded one) and, while connected, the session
// and the far side's certificate. Dates are ISO 8601 UTC, fingerprints
// SHA-256 "AB:CD:...".
struct LinkTlsStatus {
  bool enabled = false;
  std::string cert_subject;
  std::string cert_not_after;
  std::string cert_fingerprint;
  std::string protocol;  // "TLSv1.3"; "" while not connected
  std::string cipher;
  std::string peer_subject;
  std::string peer_not_after;
  std::string peer_fingerprint;
};

// The broker side of an mqtt bridge (status "broker"). Counters only grow.
struct BrokerStatus {
  std::string url;        // "mqtts://host:port"
  std::string client_id;
  std::string state;      // "connected" | "connecting" | "waiting to reconnect" | "stopped"
  std::string last_error;  // why the last attempt failed or the connection was lost; "" while all is well
  std::uint64_t published = 0;         // messages handed to the broker
  std::uint64_t acknowledged = 0;      // of those, written (QoS 0) or acknowledged (QoS 1, 2)
  std::uint64_t in_flight = 0;         // handed, not yet written or acknowledged
  std::uint64_t publish_errors = 0;    // refused by libmosquitto or the broker (size, topic, ACL)
  std::uint64_t received = 0;          // messages from the broker, before any filter
  std::uint64_t echoes = 0;            // received messages that this bridge published itself
  std::uint64_t connect_failures = 0;  // attempts that did not end in a connection
  std::uint64_t lost = 0;              // connections lost
  std::uint64_t subscriptions_refused = 0;
};

struct BridgeStatus {
  std::string id;
  std::string type;   // "bus" | "link" | "mqtt"
  std::string state;  // "running" | "connecting" | "connected" | "listening" | "stopped" | "failed: ..."
  std::string local_bus;
  std::string far;    // peer bus id, or the remote endpoint of the link
  std::size_t interest_patterns = 0;
  BridgeCounters counters;
  std::optional<LinkTlsStatus> tls;  // link bridges only
  std::optional<BrokerStatus> broker;  // type mqtt only
};

}  // namespace ivy::daemon
