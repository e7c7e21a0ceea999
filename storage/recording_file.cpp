#include "storage/recording_file.hpp"

#include <filesystem>

#include "storage/schema.hpp"

namespace ivy::storage {

Result<std::unique_ptr<RecordingFile>> RecordingFile::open(const std::string& path,
                                                           const RecordingMeta& meta,
                                                           std::int64_t started_ns,
                                                           const LiveState& live) {
  auto db = Database::open(path, OpenMode::kReadWriteCreate);
  if (!db) return Unexpected<Error>{db.error()};
  std::unique_ptr<RecordingFile> file(new RecordingFile(path, std::move(*db)));
  if (auto s = file->configure(); !s) return Unexpected<Error>{s.error()};
  if (auto s = migrate(file->db_); !s) return Unexpected<Error>{s.error()};
  if (auto s = file->start_recording(meta, started_ns, live); !s) {
    return Unexpected<Error>{s.error()};
  }
  return file;
}

Status RecordingFile::configure() {
  // A short busy timeout: a reader's checkpoint or a stray writer holding the
  // lock costs one batch at most, never a stalled writer thread.
  sqlite3_busy_timeout(db_.get(), 200);
  auto mode = db_.query_text("PRAGMA journal_mode=WAL");
  if (!mode) return Unexpected<Error>{mode.error()};
  if (*mode != "wal") return fail(path_ + ": cannot switch to WAL (got " + *mode + ")");
  if (auto s = db_.exec("PRAGMA synchronous=NORMAL"); !s) return s;
  return db_.exec("PRAGMA journal_size_limit=67108864");
}

Status RecordingFile::start_recording(const RecordingMeta& meta, std::int64_t started_ns,
                                      const LiveState& live) {
  if (auto s = db_.exec("BEGIN IMMEDIATE"); !s) return s;
  auto insert = db_.prepare(
      "INSERT INTO recordings(started_ns, host, bus, ivyd_version, config_digest) "
      "VALUES(?1, ?2, ?3, ?4, ?5)");
  if (!insert) return Unexpected<Error>{insert.error()};
  insert->bind(1, started_ns);
  insert->bind(2, meta.host);
  insert->bind(3, meta.bus);
  insert->bind(4, meta.ivyd_version);
  insert->bind(5, meta.config_digest);
  if (insert->step() != SQLITE_DONE) return Unexpected<Error>{db_.error("recordings")};
  recording_id_ = db_.last_insert_rowid();
  auto writer = RecordWriter::create(db_, recording_id_);
  if (!writer) return Unexpected<Error>{writer.error()};
  writer_ = std::make_unique<RecordWriter>(std::move(*writer));
  if (auto s = writer_->seed(live); !s) return s;
  return db_.exec("COMMIT");
}

Status RecordingFile::write(const std::vector<Record>& batch) {
  if (auto s = db_.exec("BEGIN IMMEDIATE"); !s) return s;
  writer_->begin_batch();
  Status status;
  for (const Record& record : batch) {
    status = writer_->write(record);
    if (!status) break;
  }
  if (status) status = db_.exec("COMMIT");
  if (!status) {
    (void)db_.exec("ROLLBACK");
    writer_->rollback_batch();
  }
  return status;
}

Status RecordingFile::stop(std::int64_t stopped_ns) {
  auto update = db_.prepare("UPDATE recordings SET stopped_ns = ?2 WHERE id = ?1");
  if (!update) return Unexpected<Error>{update.error()};
  update->bind(1, recording_id_);
  update->bind(2, stopped_ns);
  if (update->step() != SQLITE_DONE) return Unexpected<Error>{db_.error("stop")};
  return {};
}

std::uint64_t RecordingFile::size_bytes() const {
  std::error_code ec;
  std::uint64_t total = 0;
  for (const auto& p : {path_, path_ + "-wal"}) {
    const auto size = std::filesystem::file_size(p, ec);
    if (!ec) total += size;
  }
  return total;
}

}  // namespace ivy::storage
