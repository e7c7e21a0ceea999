#include "storage/schema.hpp"

#include <array>
#include <string>

namespace ivy::storage {
namespace {

// Step i moves user_version from i to i + 1. Append only; never edit a step
// that has shipped.
constexpr std::array<const char*, kSchemaVersion> kSteps = {
    // 1: the tables. No secondary index on message or receiver: the rowid
    // carries time order (storage-measurements.md) and receiver's primary key
    // starts with message_id, so both tables are appended to.
    R"sql(
CREATE TABLE recordings(
  id INTEGER PRIMARY KEY,
  started_ns INTEGER NOT NULL,
  stopped_ns INTEGER,
  host TEXT NOT NULL,
  bus TEXT NOT NULL,
  ivyd_version TEXT NOT NULL,
  config_digest TEXT NOT NULL);
CREATE TABLE agent(
  id INTEGER PRIMARY KEY,
  recording_id INTEGER NOT NULL REFERENCES recordings(id),
  peer_key INTEGER NOT NULL,
  app_id TEXT,
  name TEXT,
  host TEXT,
  port INTEGER,
  bus TEXT,
  joined_ns INTEGER,
  left_ns INTEGER,
  left_how TEXT);
CREATE TABLE subscription(
  id INTEGER PRIMARY KEY,
  agent_id INTEGER NOT NULL REFERENCES agent(id),
  regexp_id INTEGER NOT NULL,
  pattern TEXT NOT NULL,
  added_ns INTEGER NOT NULL,
  removed_ns INTEGER);
CREATE TABLE message(
  id INTEGER PRIMARY KEY,
  wall_ns INTEGER NOT NULL,
  mono_ns INTEGER NOT NULL,
  sender_id INTEGER NOT NULL REFERENCES agent(id),
  text TEXT NOT NULL,
  origin_bus TEXT,
  origin_agent TEXT);
CREATE TABLE receiver(
  message_id INTEGER NOT NULL REFERENCES message(id),
  agent_id INTEGER NOT NULL REFERENCES agent(id),
  regexp_id INTEGER NOT NULL,
  PRIMARY KEY(message_id, agent_id, regexp_id)) WITHOUT ROWID;
CREATE TABLE event(
  id INTEGER PRIMARY KEY,
  wall_ns INTEGER NOT NULL,
  mono_ns INTEGER NOT NULL,
  kind TEXT NOT NULL,
  agent_id INTEGER REFERENCES agent(id),
  code INTEGER,
  text TEXT,
  end_ns INTEGER);
)sql",
    // 2: indexes for readers on the small tables only.
    R"sql(
CREATE INDEX agent_by_name ON agent(name);
CREATE INDEX subscription_by_agent ON subscription(agent_id, regexp_id);
CREATE INDEX event_by_time ON event(wall_ns);
)sql",
};

Status apply_step(Database& db, std::int64_t from) {
  if (auto s = db.exec("BEGIN IMMEDIATE"); !s) return s;
  auto step = db.exec(kSteps[static_cast<std::size_t>(from)]);
  const std::string bump = "PRAGMA user_version = " + std::to_string(from + 1);
  if (step) step = db.exec(bump.c_str());
  if (step) step = db.exec("COMMIT");
  if (!step) (void)db.exec("ROLLBACK");
  return step;
}

}  // namespace

Status migrate_to(Database& db, std::int64_t version) {
  auto current = db.query_int("PRAGMA user_version");
  if (!current) return Unexpected<Error>{current.error()};
  if (*current > kSchemaVersion) {
    return fail("schema version " + std::to_string(*current) +
                    " is newer than this ivyd's " + std::to_string(kSchemaVersion),
                kNewerSchema);
  }
  for (std::int64_t v = *current; v < version; ++v) {
    if (auto s = apply_step(db, v); !s) return s;
  }
  return {};
}

Status migrate(Database& db) { return migrate_to(db, kSchemaVersion); }

}  // namespace ivy::storage
