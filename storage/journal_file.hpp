#pragma once
// JournalFile: one local recording file read by the shipper, read-only. Each
// read() is one SQLite read transaction, so a batch is a consistent snapshot
// of a file ivyd may be writing at that very moment (WAL: the reader never
// blocks the writer, and sees only committed batches).
//
// A batch holds, after the file's position in the central store: at most
// `max_rows` messages (with all their receivers) and at most `max_rows`
// events, in id order, and every new row of the small tables (so every agent
// a message names is shipped with it or before it). The open rows of the
// store (CentralFile) are read again when they may have changed: an agent's
// or a subscription's row changes only together with a new event row, so
// only when the file has new events (and always for a finished file's last
// batch); the running recording's row at every batch.
//
// Thread: one thread at a time.

#include <cstdint>
#include <string>

#include "core/result.hpp"
#include "storage/ship_batch.hpp"
#include "storage/sqlite_handle.hpp"

namespace ivy::storage {

// Error code of open(): the file has no tables yet (ivyd created it a moment
// ago); there is nothing to ship in it for now.
inline constexpr int kJournalNotReady = -4;

class JournalFile {
 public:
  static Result<JournalFile> open(const std::string& path);

  // The next batch after `file`'s position. `finished`: no more rows will be
  // written to this file (a newer file of the set exists); if the batch then
  // takes everything that is left, it completes the file.
  Result<ShipBatch> read(const CentralFile& file, std::size_t max_rows, bool finished);
  // Highest ids and the newest row's time, now.
  Result<JournalExtent> extent();

  const std::string& path() const { return path_; }

 private:
  JournalFile(std::string path, Database db) : path_(std::move(path)), db_(std::move(db)) {}
  Status read_snapshot(const CentralFile& file, std::size_t max_rows, bool finished, ShipBatch& batch);
  Status read_small_tables(const CentralFile& file, bool recheck, ShipBatch& batch);
  Status read_messages(const CentralFile& file, std::size_t max_rows, ShipBatch& batch);
  Status read_events(const CentralFile& file, std::size_t max_rows, ShipBatch& batch);

  std::string path_;
  Database db_;
  std::int64_t checked_events_ = -1;  // max event id when the open rows were last read
};

}  // namespace ivy::storage
