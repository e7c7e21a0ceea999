#pragma once
// The values the shipper moves from a local recording file (the journal) to
// the central store: rows as they are in the file (schema.cpp), with their
// local ids, and the position that says how much of a file the store has.
//
// The small tables (recordings, agent, subscription) are not append-only in
// the file: a recording gets its stopped_ns, an agent its left_ns or its real
// name, a subscription its removed_ns. So a batch carries the new rows of
// every table, plus the rows shipped earlier whose state has changed since
// (`*_updates`, their whole new state). Those "open" rows are few: the
// agents still connected, their live subscriptions, the running recording.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ivy::storage {

struct RecordingRow {
  std::int64_t id = 0;
  std::int64_t started_ns = 0;
  std::optional<std::int64_t> stopped_ns;
  std::string host;
  std::string bus;
  std::string ivyd_version;
  std::string config_digest;
  bool operator==(const RecordingRow&) const = default;
};

// A placeholder agent (its join was not recorded) has only its key.
struct AgentRow {
  std::int64_t id = 0;
  std::int64_t recording_id = 0;
  std::int64_t peer_key = 0;
  std::optional<std::string> app_id;
  std::optional<std::string> name;
  std::optional<std::string> host;
  std::optional<std::int64_t> port;
  std::optional<std::string> bus;
  std::optional<std::int64_t> joined_ns;
  std::optional<std::int64_t> left_ns;
  std::optional<std::string> left_how;
  bool operator==(const AgentRow&) const = default;
};

struct SubscriptionRow {
  std::int64_t id = 0;
  std::int64_t agent_id = 0;
  std::int64_t regexp_id = 0;
  std::string pattern;
  std::int64_t added_ns = 0;
  std::optional<std::int64_t> removed_ns;
  bool operator==(const SubscriptionRow&) const = default;
};

struct MessageRow {
  std::int64_t id = 0;
  std::int64_t wall_ns = 0;
  std::int64_t mono_ns = 0;
  std::int64_t sender_id = 0;
  std::string text;
  std::optional<std::string> origin_bus;
  std::optional<std::string> origin_agent;
  bool operator==(const MessageRow&) const = default;
};

struct ReceiverRow {
  std::int64_t message_id = 0;
  std::int64_t agent_id = 0;
  std::int64_t regexp_id = 0;
  bool operator==(const ReceiverRow&) const = default;
};

struct EventRow {
  std::int64_t id = 0;
  std::int64_t wall_ns = 0;
  std::int64_t mono_ns = 0;
  std::string kind;
  std::optional<std::int64_t> agent_id;
  std::optional<std::int64_t> code;
  std::optional<std::string> text;
  std::optional<std::int64_t> end_ns;
  bool operator==(const EventRow&) const = default;
};

// How much of one local file the store holds: the highest local id shipped
// of each table (ids are assigned in insertion order, so "everything up to").
struct ShipPosition {
  std::int64_t recording = 0;
  std::int64_t agent = 0;
  std::int64_t subscription = 0;
  std::int64_t message = 0;
  std::int64_t event = 0;
  bool operator==(const ShipPosition&) const = default;
};

struct ShipBatch {
  ShipPosition to;  // the file's position once this batch is stored
  std::vector<RecordingRow> recordings, recording_updates;
  std::vector<AgentRow> agents, agent_updates;
  std::vector<SubscriptionRow> subscriptions, subscription_updates;
  std::vector<MessageRow> messages;
  std::vector<ReceiverRow> receivers;  // of `messages`
  std::vector<EventRow> events;
  std::int64_t last_row_ns = 0;  // newest wall_ns among messages and events (0: none)
  bool completes_file = false;   // the file is finished and this is all that was left

  // Messages + events: what "rows shipped" and "backlog" count.
  std::size_t rows() const { return messages.size() + events.size(); }
  // Nothing to store and nothing to mark.
  bool empty() const {
    return rows() == 0 && recordings.empty() && recording_updates.empty() && agents.empty() &&
           agent_updates.empty() && subscriptions.empty() && subscription_updates.empty() && !completes_file;
  }
};

// What the central store knows of one local file.
struct CentralFile {
  std::int64_t id = 0;  // files.id in the store
  ShipPosition position;
  bool complete = false;
  std::int64_t last_row_ns = 0;
  // Rows shipped whose state may still change, as the store has them: not
  // stopped, not left, not removed.
  std::map<std::int64_t, RecordingRow> open_recordings;
  std::map<std::int64_t, AgentRow> open_agents;
  std::map<std::int64_t, SubscriptionRow> open_subscriptions;

  // `batch` was stored: the new position, and which rows are open now.
  void apply(const ShipBatch& batch);
};

// The highest ids of a local file and the wall time of its newest row.
struct JournalExtent {
  std::int64_t message = 0;
  std::int64_t event = 0;
  std::int64_t last_ns = 0;
  bool operator==(const JournalExtent&) const = default;
};

// Rows of `extent` not yet in the store at `position`.
inline std::int64_t rows_after(const JournalExtent& extent, const ShipPosition& position) {
  auto gap = [](std::int64_t a, std::int64_t b) { return a > b ? a - b : 0; };
  return gap(extent.message, position.message) + gap(extent.event, position.event);
}

}  // namespace ivy::storage
