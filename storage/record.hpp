#pragma once
// The plain values the bus thread hands to a RecordSink: one Record per thing
// that happened on the bus. They carry no pointers into bus state, so they can
// cross to the writer thread by move.
//
// Agents are named by a PeerKey: a number the bus side gives every peer link
// (connection) and never reuses during the process lifetime. The writer maps
// it to a row of the `agent` table, so events about the same link join to the
// same row. Key 0 (kSelfKey) is this ivyd itself, for messages it originates
// (e.g. bridged copies); the daemon should announce it with an AgentEvent like
// any other agent.
//
// Times: wall_ns is CLOCK_REALTIME in ns since the Unix epoch, mono_ns is
// CLOCK_MONOTONIC in ns; both taken by the bus side when the event happened.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ivy::storage {

using PeerKey = std::uint64_t;
inline constexpr PeerKey kSelfKey = 0;

struct Stamp {
  std::int64_t wall_ns = 0;
  std::int64_t mono_ns = 0;
};

// Identity of one peer link (ivy-protocol.md §5.2): app id from the UDP
// announcement, name from START_REGEXP, host and announced TCP port, and the
// bus the link belongs to (a bridge records several buses).
struct AgentRef {
  PeerKey key = 0;
  std::string app_id;
  std::string name;
  std::string host;
  std::uint16_t port = 0;
  std::string bus;
};

// One (agent, regexp id) pair whose subscription matched a message.
struct Receiver {
  PeerKey agent = 0;
  std::int32_t regexp_id = 0;
};

// Where a bridged message came from; both empty for a message seen first-hand.
struct Origin {
  std::string bus;
  std::string agent;
};

// A text message published on the bus (MSG), with everyone it went to.
struct MessageRecord {
  Stamp at;
  PeerKey sender = 0;
  std::string text;
  std::vector<Receiver> receivers;
  Origin origin;
};

// A direct message (type 7) addressed to us.
struct DirectRecord {
  Stamp at;
  PeerKey from = 0;
  std::int32_t id = 0;
  std::string text;
};

enum class AgentChange { kJoined, kLeft };
// kTimeout: the kernel gave up on the link (its host vanished);
// kStalled: closed by us after limits.stall_timeout with its queue full.
enum class LeaveHow { kNone, kBye, kEof, kReset, kTimeout, kError, kShutdown, kStalled };

// An agent link coming up or going down. On kJoined the whole AgentRef is
// recorded (a second kJoined for a live key updates its identity, e.g. when
// START_REGEXP brings the real name); on kLeft only agent.key and how matter.
struct AgentEvent {
  Stamp at;
  AgentChange change = AgentChange::kJoined;
  AgentRef agent;
  LeaveHow how = LeaveHow::kNone;
};

enum class SubscriptionChange { kAdded, kRemoved };

// ADD_REGEXP / DEL_REGEXP from a peer. An add with an id the agent already
// uses replaces the previous pattern (ivy-protocol.md §6.6): the old one is
// closed at that time and a new one opened.
struct SubscriptionEvent {
  Stamp at;
  SubscriptionChange change = SubscriptionChange::kAdded;
  PeerKey agent = 0;
  std::int32_t regexp_id = 0;
  std::string pattern;  // empty on kRemoved
};

enum class ControlKind { kDie, kError };

// DIE or ERROR addressed to us.
struct ControlRecord {
  Stamp at;
  ControlKind kind = ControlKind::kDie;
  PeerKey from = 0;
  std::int32_t id = 0;
  std::string text;
};

// Records we lost (queue full, database unavailable) between two times.
// Sinks create these themselves; the bus side never needs to.
struct GapRecord {
  Stamp from;
  Stamp to;
  std::uint64_t dropped = 0;
};

// Frames the bus side could not deliver to one peer because its outbound
// queue was full (a slow or stalled reader): `dropped` frames between the
// first (`from`) and the last (`to`). The bus side sums a peer's drops into
// one record and hands it over when the peer's queue drains, when its link
// closes, or once the span is a second old, so a long stall is a few rows.
struct DeliveryDropRecord {
  Stamp from;
  Stamp to;
  PeerKey agent = 0;
  std::uint64_t dropped = 0;
};

using Record = std::variant<MessageRecord, DirectRecord, AgentEvent,
                            SubscriptionEvent, ControlRecord, GapRecord,
                            DeliveryDropRecord>;

// When the record happened (for a gap or a delivery drop: its end).
Stamp stamp_of(const Record& record);

// True for everything but MessageRecord: the control plane, which sinks keep
// in preference to messages when they must drop something.
bool is_control(const Record& record);

// Names used in the database and by readers: "bye", "eof", ...
std::string_view to_string(LeaveHow how);

}  // namespace ivy::storage
