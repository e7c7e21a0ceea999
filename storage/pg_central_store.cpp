#include "storage/pg_central_store.hpp"

#include "storage/central_schema.hpp"

namespace ivy::storage {
namespace {

PgParam text_param(std::int64_t v) { return std::to_string(v); }
PgParam text_param(const std::optional<std::int64_t>& v) { return v ? PgParam(std::to_string(*v)) : std::nullopt; }
PgParam text_param(const std::optional<std::string>& v) { return v ? PgParam(repair_utf8(*v)) : std::nullopt; }

std::optional<std::string> opt_text(const PgResult& r, int row, int c) {
  if (r.is_null(row, c)) return std::nullopt;
  return std::string(r.text(row, c));
}
std::optional<std::int64_t> opt_int(const PgResult& r, int row, int c) {
  if (r.is_null(row, c)) return std::nullopt;
  return r.int64(row, c);
}

void add(CopyRows& rows, const std::optional<std::string>& v) { v ? (void)rows.add(*v) : (void)rows.add_null(); }
void add(CopyRows& rows, const std::optional<std::int64_t>& v) { v ? (void)rows.add(*v) : (void)rows.add_null(); }

}  // namespace

Status PgCentralStore::open() {
  {
    std::lock_guard lock(connection_mutex_);
    if (connection_ && !connection_->broken()) return {};
  }
  if (interrupted_) return fail("shipping is stopping", kPgConnectionLost);
  auto connected = PgConnection::connect(options_, &interrupted_);
  if (!connected) return Unexpected<Error>{connected.error()};
  std::shared_ptr<PgConnection> conn = std::move(*connected);
  {
    // Published before the migration, which can wait (another ivyd holds its
    // lock, or the server went quiet): interrupt() must reach this socket too.
    std::lock_guard lock(connection_mutex_);
    if (interrupted_) return fail("shipping is stopping", kPgConnectionLost);
    connection_ = conn;
  }
  if (auto s = migrate_central(*conn); !s) {
    close();
    return s;
  }
  return {};
}

void PgCentralStore::close() {
  std::lock_guard lock(connection_mutex_);
  connection_.reset();
}

void PgCentralStore::interrupt() {
  interrupted_ = true;
  std::lock_guard lock(connection_mutex_);
  if (connection_) connection_->interrupt();
}

Status PgCentralStore::fail_soft(Status status) {
  if (!status && status.error().code == kPgConnectionLost) close();
  return status;
}

template <class Work>
Status PgCentralStore::in_transaction(Work&& work) {
  std::shared_ptr<PgConnection> conn;
  {
    std::lock_guard lock(connection_mutex_);
    conn = connection_;
  }
  if (!conn) return fail("not connected to the central store", kPgConnectionLost);
  Status status = conn->exec("BEGIN");
  if (status) status = work(*conn);
  if (status) status = conn->exec("COMMIT");
  if (!status && !conn->broken()) (void)conn->exec("ROLLBACK");
  return fail_soft(std::move(status));
}

Result<CentralFile> PgCentralStore::file(const std::string& site, const std::string& name, std::int64_t started_ns) {
  CentralFile file;
  auto status = in_transaction([&](PgConnection& db) -> Status {
    auto added = db.query(
        "INSERT INTO files(site, name, started_ns) VALUES ($1, $2, $3) ON CONFLICT (site, name) DO NOTHING",
        {site, name, std::to_string(started_ns)});
    if (!added) return Unexpected<Error>{added.error()};
    auto row = db.query(
        "SELECT id, shipped_recording, shipped_agent, shipped_subscription, shipped_message, shipped_event, "
        "complete, coalesce(last_row_ns, 0) FROM files WHERE site = $1 AND name = $2",
        {site, name});
    if (!row) return Unexpected<Error>{row.error()};
    if (row->rows() != 1) return fail("files: no row for " + site + "/" + name);
    file.id = row->int64(0, 0);
    file.position = {row->int64(0, 1), row->int64(0, 2), row->int64(0, 3), row->int64(0, 4), row->int64(0, 5)};
    file.complete = row->text(0, 6) == "t";
    file.last_row_ns = row->int64(0, 7);
    return load_open_rows(db, file);
  });
  if (!status) return Unexpected<Error>{status.error()};
  return file;
}

Status PgCentralStore::load_open_rows(PgConnection& db, CentralFile& file) {
  const std::vector<PgParam> id{std::to_string(file.id)};
  auto recordings = db.query(
      "SELECT id, started_ns, stopped_ns, host, bus, ivyd_version, config_digest FROM recordings "
      "WHERE file_id = $1 AND stopped_ns IS NULL", id);
  if (!recordings) return Unexpected<Error>{recordings.error()};
  for (int i = 0; i < recordings->rows(); ++i) {
    const auto& r = *recordings;
    file.open_recordings[r.int64(i, 0)] = RecordingRow{r.int64(i, 0), r.int64(i, 1), std::nullopt,
                                                       std::string(r.text(i, 3)), std::string(r.text(i, 4)),
                                                       std::string(r.text(i, 5)), std::string(r.text(i, 6))};
  }
  auto agents = db.query(
      "SELECT id, recording_id, peer_key, app_id, name, host, port, bus, joined_ns, left_how FROM agents "
      "WHERE file_id = $1 AND left_ns IS NULL", id);
  if (!agents) return Unexpected<Error>{agents.error()};
  for (int i = 0; i < agents->rows(); ++i) {
    const auto& a = *agents;
    file.open_agents[a.int64(i, 0)] =
        AgentRow{a.int64(i, 0),     a.int64(i, 1),     a.int64(i, 2),    opt_text(a, i, 3),
                 opt_text(a, i, 4), opt_text(a, i, 5), opt_int(a, i, 6), opt_text(a, i, 7),
                 opt_int(a, i, 8),  std::nullopt,      opt_text(a, i, 9)};
  }
  auto subs = db.query(
      "SELECT id, agent_id, regexp_id, pattern, added_ns FROM subscriptions WHERE file_id = $1 AND removed_ns IS NULL",
      id);
  if (!subs) return Unexpected<Error>{subs.error()};
  for (int i = 0; i < subs->rows(); ++i) {
    const auto& s = *subs;
    file.open_subscriptions[s.int64(i, 0)] = SubscriptionRow{s.int64(i, 0), s.int64(i, 1), s.int64(i, 2),
                                                             std::string(s.text(i, 3)), s.int64(i, 4), std::nullopt};
  }
  return {};
}

Result<std::set<std::string>> PgCentralStore::complete_files(const std::string& site) {
  std::set<std::string> names;
  auto status = in_transaction([&](PgConnection& db) -> Status {
    auto rows = db.query("SELECT name FROM files WHERE site = $1 AND complete", {site});
    if (!rows) return Unexpected<Error>{rows.error()};
    for (int i = 0; i < rows->rows(); ++i) names.emplace(rows->text(i, 0));
    return {};
  });
  if (!status) return Unexpected<Error>{status.error()};
  return names;
}

Status PgCentralStore::ship(std::int64_t file_id, const ShipPosition& from, const ShipBatch& batch,
                            std::int64_t shipped_at_ns) {
  return in_transaction([&](PgConnection& db) -> Status {
    if (auto s = move_position(db, file_id, from, batch, shipped_at_ns); !s) return s;
    if (auto s = copy_rows(db, file_id, batch); !s) return s;
    return update_rows(db, file_id, batch);
  });
}

// First statement of the batch: locks the file's row, so a second shipper
// of the same file waits here and then finds the position moved.
Status PgCentralStore::move_position(PgConnection& db, std::int64_t file_id, const ShipPosition& from, const ShipBatch& batch,
                                     std::int64_t shipped_at_ns) {
  const ShipPosition& to = batch.to;
  auto moved = db.query(
      "UPDATE files SET shipped_recording = $7, shipped_agent = $8, shipped_subscription = $9, "
      "shipped_message = $10, shipped_event = $11, complete = complete OR $12, "
      "last_row_ns = greatest(last_row_ns, nullif($13::bigint, 0)), shipped_at_ns = $14 "
      "WHERE id = $1 AND shipped_recording = $2 AND shipped_agent = $3 AND shipped_subscription = $4 "
      "AND shipped_message = $5 AND shipped_event = $6 RETURNING id",
      {text_param(file_id), text_param(from.recording), text_param(from.agent), text_param(from.subscription),
       text_param(from.message), text_param(from.event), text_param(to.recording), text_param(to.agent),
       text_param(to.subscription), text_param(to.message), text_param(to.event),
       std::string(batch.completes_file ? "true" : "false"), text_param(batch.last_row_ns),
       text_param(shipped_at_ns)});
  if (!moved) return Unexpected<Error>{moved.error()};
  if (moved->rows() != 1) {
    return fail("the central store's position of this file is not the one shipping started from "
                "(another ivyd ships the same site and file?)",
                kShipConflict);
  }
  return {};
}

Status PgCentralStore::copy_rows(PgConnection& db, std::int64_t file_id, const ShipBatch& batch) {
  auto copy = [&](const char* sql, auto&& rows, auto&& write) -> Status {
    if (rows.empty()) return {};
    copy_.clear();
    for (const auto& row : rows) {
      copy_.add(file_id);
      write(row);
      copy_.end_row();
    }
    repaired_rows_ += copy_.repaired_rows();
    return db.copy_in(sql, copy_.data());
  };
  Status s = copy("COPY recordings FROM STDIN", batch.recordings, [&](const RecordingRow& r) {
    copy_.add(r.id).add(r.started_ns);
    add(copy_, r.stopped_ns);
    copy_.add(r.host).add(r.bus).add(r.ivyd_version).add(r.config_digest);
  });
  if (s) s = copy("COPY agents FROM STDIN", batch.agents, [&](const AgentRow& a) {
    copy_.add(a.id).add(a.recording_id).add(a.peer_key);
    add(copy_, a.app_id), add(copy_, a.name), add(copy_, a.host), add(copy_, a.port), add(copy_, a.bus);
    add(copy_, a.joined_ns), add(copy_, a.left_ns), add(copy_, a.left_how);
  });
  if (s) s = copy("COPY subscriptions FROM STDIN", batch.subscriptions, [&](const SubscriptionRow& r) {
    copy_.add(r.id).add(r.agent_id).add(r.regexp_id).add(r.pattern).add(r.added_ns);
    add(copy_, r.removed_ns);
  });
  if (s) s = copy("COPY messages FROM STDIN", batch.messages, [&](const MessageRow& m) {
    copy_.add(m.id).add(m.wall_ns).add(m.mono_ns).add(m.sender_id).add(m.text);
    add(copy_, m.origin_bus), add(copy_, m.origin_agent);
  });
  if (s) s = copy("COPY receivers FROM STDIN", batch.receivers, [&](const ReceiverRow& r) {
    copy_.add(r.message_id).add(r.agent_id).add(r.regexp_id);
  });
  if (s) s = copy("COPY events FROM STDIN", batch.events, [&](const EventRow& e) {
    copy_.add(e.id).add(e.wall_ns).add(e.mono_ns).add(e.kind);
    add(copy_, e.agent_id), add(copy_, e.code), add(copy_, e.text), add(copy_, e.end_ns);
  });
  return s;
}

Status PgCentralStore::update_rows(PgConnection& db, std::int64_t file_id, const ShipBatch& batch) {
  const PgParam file = text_param(file_id);
  for (const RecordingRow& r : batch.recording_updates) {
    auto u = db.query("UPDATE recordings SET stopped_ns = $3 WHERE file_id = $1 AND id = $2",
                                {file, text_param(r.id), text_param(r.stopped_ns)});
    if (!u) return Unexpected<Error>{u.error()};
  }
  for (const AgentRow& a : batch.agent_updates) {
    auto u = db.query(
        "UPDATE agents SET app_id = $3, name = $4, host = $5, port = $6, bus = $7, joined_ns = $8, left_ns = $9, "
        "left_how = $10 WHERE file_id = $1 AND id = $2",
        {file, text_param(a.id), text_param(a.app_id), text_param(a.name), text_param(a.host), text_param(a.port),
         text_param(a.bus), text_param(a.joined_ns), text_param(a.left_ns), text_param(a.left_how)});
    if (!u) return Unexpected<Error>{u.error()};
  }
  for (const SubscriptionRow& r : batch.subscription_updates) {
    auto u = db.query("UPDATE subscriptions SET removed_ns = $3 WHERE file_id = $1 AND id = $2",
                                {file, text_param(r.id), text_param(r.removed_ns)});
    if (!u) return Unexpected<Error>{u.error()};
  }
  return {};
}

Result<RetiredFile> PgCentralStore::retire(std::int64_t file_id, const JournalExtent& extent, std::int64_t noted_ns) {
  RetiredFile retired;
  auto status = in_transaction([&](PgConnection& db) -> Status {
    auto row = db.query(
        "SELECT shipped_message, shipped_event, coalesce(last_row_ns, started_ns) FROM files WHERE id = $1 FOR UPDATE",
        {text_param(file_id)});
    if (!row) return Unexpected<Error>{row.error()};
    if (row->rows() != 1) return fail("files: no row " + std::to_string(file_id));
    retired.lost_messages = std::max<std::int64_t>(0, extent.message - row->int64(0, 0));
    retired.lost_events = std::max<std::int64_t>(0, extent.event - row->int64(0, 1));
    retired.from_ns = row->int64(0, 2);
    retired.to_ns = std::max(extent.last_ns, retired.from_ns);
    if (retired.lost() > 0) {
      auto gap = db.query(
          "INSERT INTO unshipped(file_id, from_ns, to_ns, messages, events, noted_ns) VALUES ($1, $2, $3, $4, $5, $6) "
          "ON CONFLICT (file_id) DO NOTHING",
          {text_param(file_id), text_param(retired.from_ns), text_param(retired.to_ns),
           text_param(retired.lost_messages), text_param(retired.lost_events), text_param(noted_ns)});
      if (!gap) return Unexpected<Error>{gap.error()};
    }
    auto done = db.query("UPDATE files SET complete = true WHERE id = $1", {text_param(file_id)});
    if (!done) return Unexpected<Error>{done.error()};
    return {};
  });
  if (!status) return Unexpected<Error>{status.error()};
  return retired;
}

}  // namespace ivy::storage
