#include "storage/journal_file.hpp"

#include <algorithm>

#include "storage/schema.hpp"

namespace ivy::storage {
namespace {

std::optional<std::string> opt_text(const Statement& s, int c) {
  if (s.is_null(c)) return std::nullopt;
  return s.text(c);
}

std::optional<std::int64_t> opt_int(const Statement& s, int c) {
  if (s.is_null(c)) return std::nullopt;
  return s.int64(c);
}

// Runs `stmt` (bound by the caller) and hands each row to `row`.
template <class Fn>
Status each_row(Database& db, Statement& stmt, Fn&& row) {
  int rc;
  while ((rc = stmt.step()) == SQLITE_ROW) row(stmt);
  stmt.reset();
  if (rc != SQLITE_DONE) return Unexpected<Error>{db.error("journal read")};
  return {};
}

constexpr const char* kRecordingColumns =
    "SELECT id, started_ns, stopped_ns, host, bus, ivyd_version, config_digest FROM recordings ";
constexpr const char* kAgentColumns =
    "SELECT id, recording_id, peer_key, app_id, name, host, port, bus, joined_ns, left_ns, left_how FROM agent ";
constexpr const char* kSubscriptionColumns =
    "SELECT id, agent_id, regexp_id, pattern, added_ns, removed_ns FROM subscription ";

RecordingRow recording_row(const Statement& s) {
  return RecordingRow{s.int64(0), s.int64(1), opt_int(s, 2), s.text(3), s.text(4), s.text(5), s.text(6)};
}

AgentRow agent_row(const Statement& s) {
  return AgentRow{s.int64(0),     s.int64(1),     s.int64(2),    opt_text(s, 3), opt_text(s, 4), opt_text(s, 5),
                  opt_int(s, 6),  opt_text(s, 7), opt_int(s, 8), opt_int(s, 9),  opt_text(s, 10)};
}

SubscriptionRow subscription_row(const Statement& s) {
  return SubscriptionRow{s.int64(0), s.int64(1), s.int64(2), s.text(3), s.int64(4), opt_int(s, 5)};
}

// New rows (id > after) into `added`; the open rows whose state differs
// from what the store has into `changed` (when `recheck`).
template <class Row, class Make>
Status read_table(Database& db, const std::string& columns, std::int64_t after,
                  const std::map<std::int64_t, Row>& open, bool recheck, Make make, std::vector<Row>& added,
                  std::vector<Row>& changed) {
  auto fresh = db.prepare(columns + "WHERE id > ?1 ORDER BY id");
  if (!fresh) return Unexpected<Error>{fresh.error()};
  fresh->bind(1, after);
  if (auto s = each_row(db, *fresh, [&](const Statement& st) { added.push_back(make(st)); }); !s) return s;
  if (!recheck || open.empty()) return {};
  auto one = db.prepare(columns + "WHERE id = ?1");
  if (!one) return Unexpected<Error>{one.error()};
  for (const auto& [id, shipped] : open) {
    one->bind(1, id);
    auto s = each_row(db, *one, [&](const Statement& st) {
      Row now = make(st);
      if (!(now == shipped)) changed.push_back(std::move(now));
    });
    if (!s) return s;
  }
  return {};
}

}  // namespace

Result<JournalFile> JournalFile::open(const std::string& path) {
  auto db = Database::open(path, OpenMode::kReadOnly);
  if (!db) return Unexpected<Error>{db.error()};
  sqlite3_busy_timeout(db->get(), 1000);
  auto version = db->query_int("PRAGMA user_version");
  if (!version) return Unexpected<Error>{version.error()};
  if (*version == 0) return fail(path + ": no tables yet", kJournalNotReady);
  if (*version > kSchemaVersion) return fail(path + ": written by a newer ivyd", kNewerSchema);
  return JournalFile(path, std::move(*db));
}

Result<JournalExtent> JournalFile::extent() {
  JournalExtent e;
  auto s = db_.prepare(
      "SELECT (SELECT coalesce(max(id), 0) FROM message), (SELECT coalesce(max(id), 0) FROM event), "
      "max(coalesce((SELECT wall_ns FROM message ORDER BY id DESC LIMIT 1), 0), "
      "coalesce((SELECT max(wall_ns) FROM event), 0))");
  if (!s) return Unexpected<Error>{s.error()};
  auto st = each_row(db_, *s, [&](const Statement& row) { e = {row.int64(0), row.int64(1), row.int64(2)}; });
  if (!st) return Unexpected<Error>{st.error()};
  return e;
}

Result<ShipBatch> JournalFile::read(const CentralFile& file, std::size_t max_rows, bool finished) {
  if (auto s = db_.exec("BEGIN"); !s) return Unexpected<Error>{s.error()};
  ShipBatch batch;
  Status read = read_snapshot(file, max_rows, finished, batch);
  (void)db_.exec("COMMIT");  // a read transaction: ends the snapshot
  if (!read) return Unexpected<Error>{read.error()};
  return batch;
}

Status JournalFile::read_snapshot(const CentralFile& file, std::size_t max_rows, bool finished, ShipBatch& batch) {
  auto events = db_.query_int("SELECT coalesce(max(id), 0) FROM event");
  if (!events) return Unexpected<Error>{events.error()};
  const bool recheck = finished || *events > checked_events_;
  batch.to = file.position;
  if (auto s = read_small_tables(file, recheck, batch); !s) return s;
  if (recheck) checked_events_ = *events;
  if (auto s = read_messages(file, max_rows, batch); !s) return s;
  if (auto s = read_events(file, max_rows, batch); !s) return s;
  auto extent = this->extent();
  if (!extent) return Unexpected<Error>{extent.error()};
  batch.completes_file = finished && batch.to.message >= extent->message && batch.to.event >= extent->event;
  return {};
}

Status JournalFile::read_small_tables(const CentralFile& file, bool recheck, ShipBatch& batch) {
  auto s = read_table(db_, kRecordingColumns, file.position.recording, file.open_recordings, true, recording_row,
                      batch.recordings, batch.recording_updates);
  if (s) s = read_table(db_, kAgentColumns, file.position.agent, file.open_agents, recheck, agent_row,
                        batch.agents, batch.agent_updates);
  if (s) s = read_table(db_, kSubscriptionColumns, file.position.subscription, file.open_subscriptions, recheck,
                        subscription_row, batch.subscriptions, batch.subscription_updates);
  if (!s) return s;
  if (!batch.recordings.empty()) batch.to.recording = batch.recordings.back().id;
  if (!batch.agents.empty()) batch.to.agent = batch.agents.back().id;
  if (!batch.subscriptions.empty()) batch.to.subscription = batch.subscriptions.back().id;
  return {};
}

Status JournalFile::read_messages(const CentralFile& file, std::size_t max_rows, ShipBatch& batch) {
  auto m = db_.prepare(
      "SELECT id, wall_ns, mono_ns, sender_id, text, origin_bus, origin_agent FROM message "
      "WHERE id > ?1 ORDER BY id LIMIT ?2");
  if (!m) return Unexpected<Error>{m.error()};
  m->bind(1, file.position.message);
  m->bind(2, static_cast<std::int64_t>(max_rows));
  auto s = each_row(db_, *m, [&](const Statement& r) {
    batch.messages.push_back(
        MessageRow{r.int64(0), r.int64(1), r.int64(2), r.int64(3), r.text(4), opt_text(r, 5), opt_text(r, 6)});
  });
  if (!s || batch.messages.empty()) return s;
  batch.to.message = batch.messages.back().id;
  batch.last_row_ns = std::max(batch.last_row_ns, batch.messages.back().wall_ns);
  auto r = db_.prepare(
      "SELECT message_id, agent_id, regexp_id FROM receiver WHERE message_id > ?1 AND message_id <= ?2 "
      "ORDER BY message_id, agent_id, regexp_id");
  if (!r) return Unexpected<Error>{r.error()};
  r->bind(1, file.position.message);
  r->bind(2, batch.to.message);
  return each_row(db_, *r, [&](const Statement& row) {
    batch.receivers.push_back(ReceiverRow{row.int64(0), row.int64(1), row.int64(2)});
  });
}

Status JournalFile::read_events(const CentralFile& file, std::size_t max_rows, ShipBatch& batch) {
  auto e = db_.prepare(
      "SELECT id, wall_ns, mono_ns, kind, agent_id, code, text, end_ns FROM event WHERE id > ?1 ORDER BY id LIMIT ?2");
  if (!e) return Unexpected<Error>{e.error()};
  e->bind(1, file.position.event);
  e->bind(2, static_cast<std::int64_t>(max_rows));
  auto s = each_row(db_, *e, [&](const Statement& r) {
    batch.events.push_back(EventRow{r.int64(0), r.int64(1), r.int64(2), r.text(3), opt_int(r, 4), opt_int(r, 5),
                                    opt_text(r, 6), opt_int(r, 7)});
  });
  if (!s || batch.events.empty()) return s;
  batch.to.event = batch.events.back().id;
  for (const EventRow& ev : batch.events) batch.last_row_ns = std::max(batch.last_row_ns, ev.wall_ns);
  return {};
}

}  // namespace ivy::storage
