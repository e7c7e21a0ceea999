#include "storage/central_schema.hpp"

#include <array>
#include <string>

namespace ivy::storage {
namespace {

// Any constant: the key of the advisory lock held while migrating. A session
// lock taken before the transactions start: each transaction then sees the
// catalog as the previous holder left it.
constexpr const char* kMigrationLock = "SELECT pg_advisory_lock(7305151515)";
constexpr const char* kMigrationUnlock = "SELECT pg_advisory_unlock(7305151515)";

// Step i moves the store from version i to i + 1. Append only; never edit a
// step that has shipped.
constexpr std::array<const char*, kCentralSchemaVersion> kSteps = {
    // 1: the tables. Indexes are what the cost of COPY allows
    // (docs/performance.md): the primary keys (per file = per site), a BRIN
    // index on time (rows arrive nearly in time order, and BRIN costs almost
    // nothing to keep), and messages per sender.
    R"sql(
CREATE TABLE ivyd_schema(version integer NOT NULL);
INSERT INTO ivyd_schema VALUES (0);
CREATE TABLE files(
  id serial PRIMARY KEY,
  site text NOT NULL,
  name text NOT NULL,
  started_ns bigint NOT NULL,
  shipped_recording bigint NOT NULL DEFAULT 0,
  shipped_agent bigint NOT NULL DEFAULT 0,
  shipped_subscription bigint NOT NULL DEFAULT 0,
  shipped_message bigint NOT NULL DEFAULT 0,
  shipped_event bigint NOT NULL DEFAULT 0,
  last_row_ns bigint,
  shipped_at_ns bigint,
  complete boolean NOT NULL DEFAULT false,
  UNIQUE (site, name));
CREATE TABLE recordings(
  file_id integer NOT NULL REFERENCES files(id),
  id bigint NOT NULL,
  started_ns bigint NOT NULL,
  stopped_ns bigint,
  host text NOT NULL,
  bus text NOT NULL,
  ivyd_version text NOT NULL,
  config_digest text NOT NULL,
  PRIMARY KEY (file_id, id));
CREATE TABLE agents(
  file_id integer NOT NULL,
  id bigint NOT NULL,
  recording_id bigint NOT NULL,
  peer_key bigint NOT NULL,
  app_id text,
  name text,
  host text,
  port integer,
  bus text,
  joined_ns bigint,
  left_ns bigint,
  left_how text,
  PRIMARY KEY (file_id, id));
CREATE INDEX agents_by_name ON agents(name);
CREATE TABLE subscriptions(
  file_id integer NOT NULL,
  id bigint NOT NULL,
  agent_id bigint NOT NULL,
  regexp_id integer NOT NULL,
  pattern text NOT NULL,
  added_ns bigint NOT NULL,
  removed_ns bigint,
  PRIMARY KEY (file_id, id));
CREATE INDEX subscriptions_by_agent ON subscriptions(file_id, agent_id);
CREATE TABLE messages(
  file_id integer NOT NULL,
  id bigint NOT NULL,
  wall_ns bigint NOT NULL,
  mono_ns bigint NOT NULL,
  sender_id bigint NOT NULL,
  text text NOT NULL,
  origin_bus text,
  origin_agent text,
  PRIMARY KEY (file_id, id));
CREATE INDEX messages_by_time ON messages USING brin(wall_ns) WITH (autosummarize = on);
CREATE INDEX messages_by_sender ON messages(file_id, sender_id);
CREATE TABLE receivers(
  file_id integer NOT NULL,
  message_id bigint NOT NULL,
  agent_id bigint NOT NULL,
  regexp_id integer NOT NULL,
  PRIMARY KEY (file_id, message_id, agent_id, regexp_id));
CREATE TABLE events(
  file_id integer NOT NULL,
  id bigint NOT NULL,
  wall_ns bigint NOT NULL,
  mono_ns bigint NOT NULL,
  kind text NOT NULL,
  agent_id bigint,
  code bigint,
  text text,
  end_ns bigint,
  PRIMARY KEY (file_id, id));
CREATE INDEX events_by_time ON events(wall_ns);
CREATE TABLE unshipped(
  file_id integer PRIMARY KEY REFERENCES files(id),
  from_ns bigint,
  to_ns bigint,
  messages bigint NOT NULL,
  events bigint NOT NULL,
  noted_ns bigint NOT NULL);
CREATE VIEW sites AS
  SELECT site, count(*) AS files, min(started_ns) AS first_started_ns, max(last_row_ns) AS last_row_ns,
         max(shipped_at_ns) AS shipped_at_ns
  FROM files GROUP BY site;
)sql",
};

Status check_encoding(PgConnection& db) {
  const std::string encoding = db.parameter("server_encoding");
  if (encoding == "UTF8") return {};
  return fail("the database's encoding is " + encoding +
              ", ivyd needs UTF8 (CREATE DATABASE ... ENCODING 'UTF8' TEMPLATE template0)");
}

Status apply_step(PgConnection& db, std::int64_t from) {
  if (auto s = db.exec("BEGIN"); !s) return s;
  Status step = db.exec(kSteps[static_cast<std::size_t>(from)]);
  if (step) step = db.exec("UPDATE ivyd_schema SET version = " + std::to_string(from + 1));
  if (step) step = db.exec("COMMIT");
  if (!step) (void)db.exec("ROLLBACK");
  return step;
}

// Under the lock: someone else may have migrated while we waited for it.
Status migrate_locked(PgConnection& db) {
  auto current = central_schema_version(db);
  if (!current) return Unexpected<Error>{current.error()};
  if (*current > kCentralSchemaVersion) {
    return fail("the central store's schema is version " + std::to_string(*current) +
                    ", newer than this ivyd's " + std::to_string(kCentralSchemaVersion) +
                    " (written by a newer ivyd): upgrade ivyd; nothing was shipped or changed",
                kCentralNewerSchema);
  }
  for (std::int64_t v = *current; v < kCentralSchemaVersion; ++v) {
    if (auto s = apply_step(db, v); !s) return s;
  }
  return {};
}

}  // namespace

Result<std::int64_t> central_schema_version(PgConnection& db) {
  auto exists = db.query("SELECT to_regclass('ivyd_schema') IS NOT NULL");
  if (!exists) return Unexpected<Error>{exists.error()};
  if (exists->text(0, 0) != "t") return std::int64_t{0};
  auto version = db.query("SELECT max(version) FROM ivyd_schema");
  if (!version) return Unexpected<Error>{version.error()};
  return version->int64(0, 0);
}

Status migrate_central(PgConnection& db) {
  if (auto s = check_encoding(db); !s) return s;
  if (auto s = db.exec(kMigrationLock); !s) return s;
  Status migrated = migrate_locked(db);
  (void)db.exec(kMigrationUnlock);  // also released if the session ends
  return migrated;
}

}  // namespace ivy::storage
