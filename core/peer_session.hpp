#pragma once
// PeerSession: the state of one Ivy link, seen from our side (§4, §5). It is
// modelled on ivy-python's IvyClient: the peer's identity, its handshake
// state and its regexp table. Lines in, events and replies out; no sockets.
//
//                 START_REGEXP (name, port)
//   +-------------+  ADD/DEL/MSG/... accepted at any time  +---------+
//   | Handshaking | ---------------- END_REGEXP ---------> |  Ready  |
//   +-------------+   (event Ready; a 2nd END is an        +---------+
//          |           IllegalState error, link kept)          |
//          |  BYE, or close() by the owner (EOF, reset)        |
//          +-------------------> +--------+ <------------------+
//                                | Closed |  every later line is ignored
//                                +--------+
//
// Leniency follows §12 "Accept": malformed lines and unknown types are
// reported as events and never close the link; ADD with an id already held
// replaces the pattern (ivy-python; ivy-c's add-alongside is a bug, Q-C-2);
// DEL of an unknown id is ignored; MSG before END is delivered (ivy-c does).
// A PING produces a PONG reply with the same id (§7.4).
//
// Thread: owned and used by one thread (the agent's event loop).

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.hpp"

namespace ivy {

// Who the peer is. Equality is by (ip, port), as ivy-python's IvyClient.
struct PeerIdentity {
  std::string ip;          // the peer's address as text
  std::uint16_t port = 0;  // its TCP listen port (announced, or from START_REGEXP)
  std::string app_id;      // from its announcement; empty for accepted links
  std::string name;        // from START_REGEXP (before that, the announced name)
  std::string host;        // what to show as the host; defaults to ip

  std::string display() const;       // "ip:port (name)"  (IvyClient.__repr__)
  std::string user_display() const;  // "name@host"       (IvyClient.__str__)
  friend bool operator==(const PeerIdentity& a, const PeerIdentity& b) {
    return a.ip == b.ip && a.port == b.port;
  }
};

namespace peer_event {
struct Started { int port; std::string name; };              // START_REGEXP
struct Ready {};                                              // END_REGEXP: handshake done
struct SubscriptionAdded { int id; std::string pattern; std::optional<std::string> replaced; };
struct SubscriptionRemoved { int id; std::string pattern; };
struct SubscriptionRefused { int id; std::string pattern; std::string reason; };  // over a limit
struct Message { int id; std::vector<std::string> args; };
struct Direct { int id; std::string text; };
struct Die { int id; };
struct Ping { int id; };  // the PONG is in PeerOutput::reply
struct Pong { int id; };
struct PeerError { int id; std::string text; };               // an ERROR frame from the peer
struct Bye {};
struct Malformed { std::string reason; std::string snippet; };  // link kept
struct UnknownType { int type; };                                // ignored
struct IllegalState { std::string reason; };                    // e.g. a second END_REGEXP
}  // namespace peer_event

using PeerEvent = std::variant<peer_event::Started, peer_event::Ready, peer_event::SubscriptionAdded,
                               peer_event::SubscriptionRemoved, peer_event::SubscriptionRefused,
                               peer_event::Message, peer_event::Direct, peer_event::Die,
                               peer_event::Ping, peer_event::Pong, peer_event::PeerError,
                               peer_event::Bye, peer_event::Malformed, peer_event::UnknownType,
                               peer_event::IllegalState>;

// What one received line produced: at most one event, at most one frame to
// send back, and whether the link is to be closed (BYE).
struct PeerOutput {
  std::optional<PeerEvent> event;
  std::string reply;
  bool close = false;
};

struct PeerLimits {
  std::size_t max_subscriptions = 100'000;
  std::size_t max_pattern_bytes = 64 * 1024;
};

class PeerSession {
 public:
  enum class State { kHandshaking, kReady, kClosed };

  explicit PeerSession(PeerIdentity identity, PeerLimits limits = {});

  // Handles one frame (the line without its LF).
  PeerOutput on_line(std::string_view line);

  // START_REGEXP received: records the name (and port if non-zero).
  void start_init(std::string_view name, int port);
  // END_REGEXP received: Handshaking -> Ready. A second call is an error.
  Status end_init();
  // The owner closes the link (EOF, reset, our shutdown).
  void close() { state_ = State::kClosed; }

  // The peer's regexp table. add() replaces and returns the old pattern;
  // remove() returns the removed pattern, nullopt for an unknown id.
  std::optional<std::string> add_regexp(int id, std::string pattern);
  std::optional<std::string> remove_regexp(int id);
  const std::map<int, std::string>& regexps() const { return regexps_; }

  State state() const { return state_; }
  bool started() const { return started_; }
  const PeerIdentity& identity() const { return identity_; }
  PeerIdentity& identity() { return identity_; }

  // Counters, for status and logs.
  std::uint64_t malformed_lines() const { return malformed_lines_; }
  std::uint64_t frames_received() const { return frames_received_; }

  // Our side of the handshake, sent at once on every new link (§5.1):
  // START_REGEXP with our port and name, one ADD_REGEXP per subscription,
  // END_REGEXP. Fails only if the name or a pattern cannot go on the wire.
  static Result<std::string> handshake(int our_port, std::string_view our_name,
                                       const std::map<int, std::string>& our_subscriptions);

  static constexpr std::size_t kSnippetBytes = 64;

 private:
  PeerOutput on_frame(int type, int id, std::string_view payload);
  PeerOutput on_add(int id, std::string_view pattern);

  PeerIdentity identity_;
  PeerLimits limits_;
  State state_ = State::kHandshaking;
  bool started_ = false;
  std::map<int, std::string> regexps_;
  std::uint64_t malformed_lines_ = 0;
  std::uint64_t frames_received_ = 0;
};

// A printable, bounded excerpt of a line for logs: control bytes as \xNN.
std::string line_snippet(std::string_view line, std::size_t max_bytes = PeerSession::kSnippetBytes);

}  // namespace ivy
