#pragma once
// CentralStore: where the shipper puts what the local recording holds. The
// one narrow interface between the shipper and PostgreSQL: PgCentralStore is
// the real one, MemoryCentralStore the fake for the shipper's unit tests.
//
// Exactly once: ship() stores a batch's rows and moves the file's position
// in the same transaction, and only if the position in the store is still
// the one the shipper started from. A crash of either side, or a connection
// lost mid-batch (even during COMMIT), leaves either both or neither; the
// shipper re-reads the position after any failure and goes on from there.
//
// Errors: Error.code is kPgConnectionLost when the store is unreachable,
// kCentralNewerSchema from open() on a store made by a newer ivyd,
// kShipConflict from ship()/retire() when the position moved under us
// (another ivyd ships the same site and file); anything else is the server
// refusing a statement.
//
// Thread: one thread uses a store; interrupt() may come from another.

#include <cstdint>
#include <set>
#include <string>

#include "core/result.hpp"
#include "storage/ship_batch.hpp"

namespace ivy::storage {

inline constexpr int kShipConflict = -5;

// What retire() found and recorded.
struct RetiredFile {
  std::int64_t lost_messages = 0;
  std::int64_t lost_events = 0;
  std::int64_t from_ns = 0;  // the newest row shipped before the loss (or the file's start)
  std::int64_t to_ns = 0;    // the file's newest row
  std::int64_t lost() const { return lost_messages + lost_events; }
};

class CentralStore {
 public:
  virtual ~CentralStore() = default;

  // Connects if not connected and brings the schema to this ivyd's version.
  virtual Status open() = 0;
  // Drops the connection; the next open() makes a new one.
  virtual void close() = 0;
  // Thread-safe: makes a call in progress fail soon (for shutdown).
  virtual void interrupt() = 0;

  // The store's record of local file `name` of `site` (position zero if the
  // store has never seen it; it is registered then).
  virtual Result<CentralFile> file(const std::string& site, const std::string& name, std::int64_t started_ns) = 0;
  // The names of `site`'s files the store holds completely.
  virtual Result<std::set<std::string>> complete_files(const std::string& site) = 0;

  // Stores `batch` and moves file `file_id` from `from` to batch.to (and
  // marks it complete if batch.completes_file), in one transaction.
  // `shipped_at_ns`: the shipper's wall clock, kept with the position.
  virtual Status ship(std::int64_t file_id, const ShipPosition& from, const ShipBatch& batch,
                      std::int64_t shipped_at_ns) = 0;
  // File `file_id` is gone from the local disk with `extent` as its last
  // content: records what the store lacks of it as a gap (nothing if it has
  // it all) and marks it complete, in one transaction.
  virtual Result<RetiredFile> retire(std::int64_t file_id, const JournalExtent& extent, std::int64_t noted_ns) = 0;
};

}  // namespace ivy::storage
