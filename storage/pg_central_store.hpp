#pragma once
// PgCentralStore: the CentralStore in PostgreSQL (central_schema.hpp has the
// tables). A batch is one transaction: the file's position is moved first,
// guarded by the position the shipper read (which also locks the file's row
// against a second shipper), then the rows go in with COPY, table by table,
// and the few changed rows with UPDATE.
//
// Text that is not valid UTF-8 is repaired on the way (copy_rows.hpp) and
// counted: repaired_rows().
//
// Thread: one thread; interrupt() from any. Once interrupted, a store stays
// so: it is for stopping.

#include <atomic>
#include <memory>
#include <mutex>

#include "storage/central_store.hpp"
#include "storage/copy_rows.hpp"
#include "storage/pg_connection.hpp"

namespace ivy::storage {

class PgCentralStore final : public CentralStore {
 public:
  explicit PgCentralStore(PgConnection::Options options) : options_(std::move(options)) {}

  Status open() override;
  void close() override;
  void interrupt() override;
  Result<CentralFile> file(const std::string& site, const std::string& name, std::int64_t started_ns) override;
  Result<std::set<std::string>> complete_files(const std::string& site) override;
  Status ship(std::int64_t file_id, const ShipPosition& from, const ShipBatch& batch,
              std::int64_t shipped_at_ns) override;
  Result<RetiredFile> retire(std::int64_t file_id, const JournalExtent& extent, std::int64_t noted_ns) override;

  std::uint64_t repaired_rows() const { return repaired_rows_.load(); }

 private:
  // Runs `work` inside BEGIN/COMMIT; rolls back when it fails. A failure
  // that lost the connection drops it (the next open() reconnects).
  template <class Work>
  Status in_transaction(Work&& work);
  Status fail_soft(Status status);
  Status move_position(PgConnection& db, std::int64_t file_id, const ShipPosition& from, const ShipBatch& batch,
                       std::int64_t shipped_at_ns);
  Status copy_rows(PgConnection& db, std::int64_t file_id, const ShipBatch& batch);
  Status update_rows(PgConnection& db, std::int64_t file_id, const ShipBatch& batch);
  Status load_open_rows(PgConnection& db, CentralFile& file);

  PgConnection::Options options_;
  std::mutex connection_mutex_;  // connection_ (re)set vs. interrupt()
  std::shared_ptr<PgConnection> connection_;
  std::atomic<bool> interrupted_{false};
  std::atomic<std::uint64_t> repaired_rows_{0};
  CopyRows copy_;  // reused buffer
};

}  // namespace ivy::storage
