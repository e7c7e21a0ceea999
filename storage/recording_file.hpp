#pragma once
// RecordingFile: one open recording database being written. Opening sets WAL
// and synchronous=NORMAL, migrates the schema, adds a `recordings` row and
// seeds the live agents and subscriptions; write() stores one batch in one
// transaction; stop() sets the row's stopped_ns.
//
// Durability: with WAL + synchronous=NORMAL a committed batch survives the
// process being killed (it is in the OS cache); a power cut may lose the
// last batches but never corrupts the file.
//
// Thread: the writer thread only.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "storage/live_state.hpp"
#include "storage/record.hpp"
#include "storage/record_writer.hpp"
#include "storage/sqlite_handle.hpp"

namespace ivy::storage {

// What the `recordings` row says about this run of ivyd.
struct RecordingMeta {
  std::string host;
  std::string bus;
  std::string ivyd_version;
  std::string config_digest;
};

class RecordingFile {
 public:
  // Errors carry the SQLite code (see is_corruption()) or kNewerSchema.
  static Result<std::unique_ptr<RecordingFile>> open(const std::string& path,
                                                     const RecordingMeta& meta,
                                                     std::int64_t started_ns,
                                                     const LiveState& live);

  // Stores records [0, count) of `batch` in one transaction; on failure
  // nothing of the batch is stored and the file stays usable if the error
  // allows (e.g. SQLITE_BUSY, SQLITE_FULL).
  Status write(const std::vector<Record>& batch);
  Status stop(std::int64_t stopped_ns);

  // Database plus WAL file, in bytes.
  std::uint64_t size_bytes() const;
  const std::string& path() const { return path_; }

 private:
  RecordingFile(std::string path, Database db) : path_(std::move(path)), db_(std::move(db)) {}
  Status configure();
  Status start_recording(const RecordingMeta& meta, std::int64_t started_ns,
                         const LiveState& live);

  std::string path_;
  Database db_;
  std::int64_t recording_id_ = 0;
  std::unique_ptr<RecordWriter> writer_;  // declared after db_: finalized first
};

}  // namespace ivy::storage
