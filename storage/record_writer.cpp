#include "storage/record_writer.hpp"

#include <climits>

namespace ivy::storage {
namespace {

const char* control_kind(ControlKind kind) {
  return kind == ControlKind::kDie ? "die" : "error";
}

}  // namespace

Result<RecordWriter> RecordWriter::create(Database& db, std::int64_t recording_id) {
  RecordWriter writer(db);
  writer.recording_id_ = recording_id;
  if (auto s = writer.prepare_all(); !s) return Unexpected<Error>{s.error()};
  return writer;
}

Status RecordWriter::prepare_all() {
  const std::pair<Statement*, const char*> all[] = {
      {&message_, "INSERT INTO message(wall_ns, mono_ns, sender_id, text, origin_bus, "
                  "origin_agent) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"},
      {&receiver_, "INSERT OR IGNORE INTO receiver(message_id, agent_id, regexp_id) "
                   "VALUES(?1, ?2, ?3)"},
      {&agent_, "INSERT INTO agent(recording_id, peer_key, app_id, name, host, port, "
                "bus, joined_ns) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
      {&agent_update_, "UPDATE agent SET app_id = ?2, name = ?3, host = ?4, port = ?5, "
                       "bus = ?6 WHERE id = ?1"},
      {&agent_left_, "UPDATE agent SET left_ns = ?2, left_how = ?3 WHERE id = ?1"},
      {&subscription_, "INSERT INTO subscription(agent_id, regexp_id, pattern, added_ns) "
                       "VALUES(?1, ?2, ?3, ?4)"},
      {&subscription_end_, "UPDATE subscription SET removed_ns = ?2 WHERE id = ?1"},
      {&event_, "INSERT INTO event(wall_ns, mono_ns, kind, agent_id, code, text, end_ns) "
                "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)"},
  };
  for (const auto& [stmt, sql] : all) {
    auto prepared = db_->prepare(sql);
    if (!prepared) return Unexpected<Error>{prepared.error()};
    *stmt = std::move(*prepared);
  }
  return {};
}

Status RecordWriter::run(Statement& stmt) {
  const int rc = stmt.step();
  stmt.reset();
  if (rc != SQLITE_DONE) return Unexpected<Error>{db_->error("insert")};
  return {};
}

Status RecordWriter::write(const Record& record) {
  struct Visitor {
    RecordWriter& w;
    Status operator()(const MessageRecord& m) { return w.write_message(m); }
    Status operator()(const AgentEvent& e) { return w.write_agent(e); }
    Status operator()(const SubscriptionEvent& e) { return w.write_subscription(e); }
    Status operator()(const GapRecord& g) { return w.write_gap(g); }
    Status operator()(const DirectRecord& d) {
      return w.write_event(d.at, "direct", d.from, d.id, d.text);
    }
    Status operator()(const ControlRecord& c) {
      return w.write_event(c.at, control_kind(c.kind), c.from, c.id, c.text);
    }
    Status operator()(const DeliveryDropRecord& d) { return w.write_delivery_drop(d); }
  };
  return std::visit(Visitor{*this}, record);
}

Status RecordWriter::write_message(const MessageRecord& m) {
  auto sender = agent_row(m.sender);
  if (!sender) return Unexpected<Error>{sender.error()};
  message_.bind(1, m.at.wall_ns);
  message_.bind(2, m.at.mono_ns);
  message_.bind(3, *sender);
  message_.bind(4, m.text);
  if (!m.origin.bus.empty()) message_.bind(5, m.origin.bus);
  if (!m.origin.agent.empty()) message_.bind(6, m.origin.agent);
  if (auto s = run(message_); !s) return s;
  const std::int64_t id = db_->last_insert_rowid();
  for (const Receiver& r : m.receivers) {
    auto agent = agent_row(r.agent);
    if (!agent) return Unexpected<Error>{agent.error()};
    receiver_.bind(1, id);
    receiver_.bind(2, *agent);
    receiver_.bind(3, std::int64_t{r.regexp_id});
    if (auto s = run(receiver_); !s) return s;
  }
  return {};
}

Status RecordWriter::insert_agent(const AgentRef& ref, const Stamp* joined) {
  agent_.bind(1, recording_id_);
  agent_.bind(2, static_cast<std::int64_t>(ref.key));
  agent_.bind(3, ref.app_id);
  agent_.bind(4, ref.name);
  agent_.bind(5, ref.host);
  agent_.bind(6, std::int64_t{ref.port});
  agent_.bind(7, ref.bus);
  if (joined != nullptr) agent_.bind(8, joined->wall_ns);
  if (auto s = run(agent_); !s) return s;
  agents_[ref.key] = db_->last_insert_rowid();
  return {};
}

Result<std::int64_t> RecordWriter::agent_row(PeerKey key) {
  if (auto it = agents_.find(key); it != agents_.end()) return it->second;
  // Placeholder: the join was not recorded (dropped, or before this file).
  agent_.bind(1, recording_id_);
  agent_.bind(2, static_cast<std::int64_t>(key));
  if (auto s = run(agent_); !s) return Unexpected<Error>{s.error()};
  return agents_[key] = db_->last_insert_rowid();
}

Status RecordWriter::write_agent(const AgentEvent& e) {
  const PeerKey key = e.agent.key;
  if (e.change == AgentChange::kJoined) {
    auto it = agents_.find(key);
    if (it == agents_.end()) {
      if (auto s = insert_agent(e.agent, &e.at); !s) return s;
    } else {
      agent_update_.bind(1, it->second);
      agent_update_.bind(2, e.agent.app_id);
      agent_update_.bind(3, e.agent.name);
      agent_update_.bind(4, e.agent.host);
      agent_update_.bind(5, std::int64_t{e.agent.port});
      agent_update_.bind(6, e.agent.bus);
      if (auto s = run(agent_update_); !s) return s;
    }
    return write_event(e.at, "join", key, 0, {});
  }
  auto row = agent_row(key);
  if (!row) return Unexpected<Error>{row.error()};
  agent_left_.bind(1, *row);
  agent_left_.bind(2, e.at.wall_ns);
  agent_left_.bind(3, to_string(e.how));
  if (auto s = run(agent_left_); !s) return s;
  // A link that goes away takes its subscriptions with it.
  auto first = subscriptions_.lower_bound({key, INT32_MIN});
  while (first != subscriptions_.end() && first->first.first == key) {
    subscription_end_.bind(1, first->second);
    subscription_end_.bind(2, e.at.wall_ns);
    if (auto s = run(subscription_end_); !s) return s;
    first = subscriptions_.erase(first);
  }
  return write_event(e.at, "leave", key, 0, to_string(e.how));
}

Status RecordWriter::open_subscription(PeerKey agent, std::int32_t regexp_id,
                                       std::string_view pattern, std::int64_t added_ns) {
  auto row = agent_row(agent);
  if (!row) return Unexpected<Error>{row.error()};
  subscription_.bind(1, *row);
  subscription_.bind(2, std::int64_t{regexp_id});
  subscription_.bind(3, pattern);
  subscription_.bind(4, added_ns);
  if (auto s = run(subscription_); !s) return s;
  subscriptions_[{agent, regexp_id}] = db_->last_insert_rowid();
  return {};
}

Status RecordWriter::close_subscription(PeerKey agent, std::int32_t regexp_id,
                                        std::int64_t at_ns) {
  auto it = subscriptions_.find({agent, regexp_id});
  if (it == subscriptions_.end()) return {};
  subscription_end_.bind(1, it->second);
  subscription_end_.bind(2, at_ns);
  subscriptions_.erase(it);
  return run(subscription_end_);
}

Status RecordWriter::write_subscription(const SubscriptionEvent& e) {
  // An add over a live id is a change (§6.6): close the old one first.
  if (auto s = close_subscription(e.agent, e.regexp_id, e.at.wall_ns); !s) return s;
  if (e.change == SubscriptionChange::kAdded) {
    if (auto s = open_subscription(e.agent, e.regexp_id, e.pattern, e.at.wall_ns); !s) {
      return s;
    }
    return write_event(e.at, "bind", e.agent, e.regexp_id, e.pattern);
  }
  return write_event(e.at, "unbind", e.agent, e.regexp_id, {});
}

Status RecordWriter::write_event(const Stamp& at, const char* kind, PeerKey agent,
                                 std::int64_t code, std::string_view text) {
  auto row = agent_row(agent);
  if (!row) return Unexpected<Error>{row.error()};
  event_.bind(1, at.wall_ns);
  event_.bind(2, at.mono_ns);
  event_.bind(3, std::string_view(kind));
  event_.bind(4, *row);
  event_.bind(5, code);
  if (!text.empty()) event_.bind(6, text);
  return run(event_);
}

Status RecordWriter::write_gap(const GapRecord& g) {
  event_.bind(1, g.from.wall_ns);
  event_.bind(2, g.from.mono_ns);
  event_.bind(3, std::string_view("gap"));
  event_.bind(5, static_cast<std::int64_t>(g.dropped));
  event_.bind(7, g.to.wall_ns);
  return run(event_);
}

// Like a gap, the row's time is the first frame dropped and end_ns the last.
Status RecordWriter::write_delivery_drop(const DeliveryDropRecord& d) {
  auto row = agent_row(d.agent);
  if (!row) return Unexpected<Error>{row.error()};
  event_.bind(1, d.from.wall_ns);
  event_.bind(2, d.from.mono_ns);
  event_.bind(3, std::string_view("dropped"));
  event_.bind(4, *row);
  event_.bind(5, static_cast<std::int64_t>(d.dropped));
  event_.bind(7, d.to.wall_ns);
  return run(event_);
}

void RecordWriter::begin_batch() {
  saved_agents_ = agents_;
  saved_subscriptions_ = subscriptions_;
}

void RecordWriter::rollback_batch() {
  agents_ = saved_agents_;
  subscriptions_ = saved_subscriptions_;
}

Status RecordWriter::seed(const LiveState& live) {
  for (const auto& [key, agent] : live.agents()) {
    if (auto s = insert_agent(agent.ref, &agent.joined); !s) return s;
  }
  for (const auto& [key, sub] : live.subscriptions()) {
    if (auto s = open_subscription(key.first, key.second, sub.pattern, sub.added.wall_ns);
        !s) {
      return s;
    }
  }
  return {};
}

}  // namespace ivy::storage
