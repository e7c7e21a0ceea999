#pragma once
// The central store's schema in PostgreSQL, and its migrations
// (docs/schema.md, "Central store", documents the same tables; keep the two
// in step).
//
// Every shipped row keeps its local id: a row is identified by the local
// recording file it comes from (`files`: site + file name -> file_id) and
// its id in that file, which is each table's primary key, so shipping a row
// twice is impossible and a row is always traceable to its journal.
//
// The version is the one row of ivyd_schema. Each migration step runs in its
// own transaction under an advisory lock, so two ivyd starting together
// against an empty database do not both create the tables, and a failure
// leaves the previous version intact.
//
// Thread: whoever owns the connection.

#include <cstdint>

#include "core/result.hpp"
#include "storage/pg_connection.hpp"

namespace ivy::storage {

inline constexpr std::int64_t kCentralSchemaVersion = 1;
// Error code: the store was made by a newer ivyd (nothing is changed).
inline constexpr int kCentralNewerSchema = -3;

// Brings the store to kCentralSchemaVersion. Fails with kCentralNewerSchema
// on a newer store, and on a database whose encoding is not UTF8.
Status migrate_central(PgConnection& db);
// The store's version (0 = no ivyd tables yet), without changing anything.
Result<std::int64_t> central_schema_version(PgConnection& db);

}  // namespace ivy::storage
