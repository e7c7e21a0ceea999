#pragma once
// RecordWriter: turns Records into rows of one open recording database with
// prepared statements (schema.cpp has the tables). It maps PeerKeys to rows of
// `agent` and open subscriptions to rows of `subscription` for this file.
// Transactions are the caller's (RecordingFile).
//
// A record that names an agent this file has never seen (its join was lost)
// gets a placeholder agent row with only peer_key set, so nothing is refused.
//
// Thread: the writer thread only. Lifetime: must not outlive the Database.

#include <cstdint>
#include <map>
#include <unordered_map>
#include <utility>

#include "core/result.hpp"
#include "storage/live_state.hpp"
#include "storage/record.hpp"
#include "storage/sqlite_handle.hpp"

namespace ivy::storage {

class RecordWriter {
 public:
  static Result<RecordWriter> create(Database& db, std::int64_t recording_id);

  Status write(const Record& record);
  // Copies the live agents and subscriptions into this (new) file.
  Status seed(const LiveState& live);

  // Transaction bracketing: remember the key maps at BEGIN, and put them back
  // after a ROLLBACK so no key points at a row that no longer exists.
  void begin_batch();
  void rollback_batch();

 private:
  explicit RecordWriter(Database& db) : db_(&db) {}
  Status prepare_all();

  Status write_message(const MessageRecord& m);
  Status write_agent(const AgentEvent& e);
  Status write_subscription(const SubscriptionEvent& e);
  Status write_event(const Stamp& at, const char* kind, PeerKey agent,
                     std::int64_t code, std::string_view text);
  Status write_gap(const GapRecord& g);
  Status write_delivery_drop(const DeliveryDropRecord& d);
  Status insert_agent(const AgentRef& ref, const Stamp* joined);
  Status open_subscription(PeerKey agent, std::int32_t regexp_id,
                           std::string_view pattern, std::int64_t added_ns);
  Status close_subscription(PeerKey agent, std::int32_t regexp_id, std::int64_t at_ns);
  Result<std::int64_t> agent_row(PeerKey key);
  Status run(Statement& stmt);

  Database* db_;
  std::int64_t recording_id_ = 0;
  std::unordered_map<PeerKey, std::int64_t> agents_;
  std::map<LiveState::SubscriptionKey, std::int64_t> subscriptions_;
  std::unordered_map<PeerKey, std::int64_t> saved_agents_;
  std::map<LiveState::SubscriptionKey, std::int64_t> saved_subscriptions_;
  Statement message_, receiver_, agent_, agent_update_, agent_left_;
  Statement subscription_, subscription_end_, event_;
};

}  // namespace ivy::storage
