#include "storage/memory_central_store.hpp"

#include "storage/pg_connection.hpp"

namespace ivy::storage {
namespace {

// Inserts rows by id, refusing a key already there (a primary key).
template <class Row>
Status insert_all(std::map<std::int64_t, Row>& table, const std::vector<Row>& rows, const char* name) {
  for (const Row& row : rows) {
    if (!table.emplace(row.id, row).second) {
      return fail(std::string(name) + ": duplicate key " + std::to_string(row.id));
    }
  }
  return {};
}

template <class Row>
void update_all(std::map<std::int64_t, Row>& table, const std::vector<Row>& rows) {
  for (const Row& row : rows) table[row.id] = row;
}

}  // namespace

Status MemoryCentralStore::check_up() const {
  if (down_ || !connected_) return fail("connection to the central store lost", kPgConnectionLost);
  return {};
}

Status MemoryCentralStore::open() {
  std::lock_guard lock(mutex_);
  if (down_) return fail("could not connect to server: Connection refused", kPgConnectionLost);
  connected_ = true;
  ++opens_;
  return {};
}

void MemoryCentralStore::close() {
  std::lock_guard lock(mutex_);
  connected_ = false;
}

Result<CentralFile> MemoryCentralStore::file(const std::string& site, const std::string& name,
                                             std::int64_t started_ns) {
  std::lock_guard lock(mutex_);
  if (auto s = check_up(); !s) return Unexpected<Error>{s.error()};
  for (const auto& [id, f] : files_) {
    if (f.site == site && f.name == name) return f.state;
  }
  const std::int64_t id = static_cast<std::int64_t>(files_.size()) + 1;
  StoredFile& f = files_[id];
  f.site = site;
  f.name = name;
  f.started_ns = started_ns;
  f.state.id = id;
  return f.state;
}

Result<std::set<std::string>> MemoryCentralStore::complete_files(const std::string& site) {
  std::lock_guard lock(mutex_);
  if (auto s = check_up(); !s) return Unexpected<Error>{s.error()};
  std::set<std::string> names;
  for (const auto& [id, f] : files_) {
    if (f.site == site && f.state.complete) names.insert(f.name);
  }
  return names;
}

Status MemoryCentralStore::store_rows(StoredFile& f, const ShipBatch& batch) {
  Status s = insert_all(f.recordings, batch.recordings, "recordings");
  if (s) s = insert_all(f.agents, batch.agents, "agents");
  if (s) s = insert_all(f.subscriptions, batch.subscriptions, "subscriptions");
  if (s) s = insert_all(f.messages, batch.messages, "messages");
  if (s) s = insert_all(f.events, batch.events, "events");
  if (!s) return s;
  update_all(f.recordings, batch.recording_updates);
  update_all(f.agents, batch.agent_updates);
  update_all(f.subscriptions, batch.subscription_updates);
  f.receivers.insert(f.receivers.end(), batch.receivers.begin(), batch.receivers.end());
  return {};
}

Status MemoryCentralStore::ship(std::int64_t file_id, const ShipPosition& from, const ShipBatch& batch,
                                std::int64_t) {
  std::lock_guard lock(mutex_);
  if (auto s = check_up(); !s) return s;
  auto it = files_.find(file_id);
  if (it == files_.end()) return fail("no file " + std::to_string(file_id));
  if (!(it->second.state.position == from)) return fail("position moved", kShipConflict);
  if (fail_ship_) {
    fail_ship_ = false;
    connected_ = false;
    return fail("server closed the connection unexpectedly", kPgConnectionLost);
  }
  StoredFile copy = it->second;  // all or nothing, as a transaction
  if (auto s = store_rows(copy, batch); !s) return s;
  copy.state.apply(batch);
  it->second = std::move(copy);
  if (lose_ack_) {
    lose_ack_ = false;
    connected_ = false;
    return fail("server closed the connection unexpectedly", kPgConnectionLost);
  }
  return {};
}

Result<RetiredFile> MemoryCentralStore::retire(std::int64_t file_id, const JournalExtent& extent, std::int64_t) {
  std::lock_guard lock(mutex_);
  if (auto s = check_up(); !s) return Unexpected<Error>{s.error()};
  auto it = files_.find(file_id);
  if (it == files_.end()) return fail("no file " + std::to_string(file_id));
  StoredFile& f = it->second;
  RetiredFile r;
  r.lost_messages = std::max<std::int64_t>(0, extent.message - f.state.position.message);
  r.lost_events = std::max<std::int64_t>(0, extent.event - f.state.position.event);
  r.from_ns = f.state.last_row_ns ? f.state.last_row_ns : f.started_ns;
  r.to_ns = std::max(extent.last_ns, r.from_ns);
  if (r.lost() > 0 && !f.gap) f.gap = r;
  f.state.complete = true;
  return r;
}

void MemoryCentralStore::set_down(bool down) {
  std::lock_guard lock(mutex_);
  down_ = down;
  if (down) connected_ = false;
}

void MemoryCentralStore::lose_next_ack() {
  std::lock_guard lock(mutex_);
  lose_ack_ = true;
}

void MemoryCentralStore::fail_next_ship() {
  std::lock_guard lock(mutex_);
  fail_ship_ = true;
}

std::optional<MemoryCentralStore::StoredFile> MemoryCentralStore::stored(const std::string& site,
                                                                         const std::string& name) const {
  std::lock_guard lock(mutex_);
  for (const auto& [id, f] : files_) {
    if (f.site == site && f.name == name) return f;
  }
  return std::nullopt;
}

std::size_t MemoryCentralStore::message_count() const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& [id, f] : files_) n += f.messages.size();
  return n;
}

int MemoryCentralStore::opens() const {
  std::lock_guard lock(mutex_);
  return opens_;
}

}  // namespace ivy::storage
