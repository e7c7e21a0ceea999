#pragma once
// The recording database schema and its migrations (docs/schema.md is the
// reader's documentation of the same tables; keep the two in step).
//
// Versions live in PRAGMA user_version: 0 = empty file, then each migration
// step moves the file one version up inside its own transaction, so a crash
// mid-migration leaves the previous version intact.

#include <cstdint>

#include "core/result.hpp"
#include "storage/sqlite_handle.hpp"

namespace ivy::storage {

inline constexpr std::int64_t kSchemaVersion = 2;

// Brings `db` from whatever version it has to kSchemaVersion. Fails (code
// kNewerSchema) on a file written by a newer ivyd, which is left untouched.
Status migrate(Database& db);
// Applies only the steps up to `version` (for migration tests).
Status migrate_to(Database& db, std::int64_t version);

inline constexpr int kNewerSchema = -2;

}  // namespace ivy::storage
