#pragma once
// CentralReader: the RecordingReader of a central store (PostgreSQL, filled
// by the shippers of every site; central_schema.hpp). Entries come with their
// site; `sites` (all if empty) limits everything it reads.
//
// Order and --follow: entries come in the store's order, (wall_ns, file_id,
// id), and a page continues after the last one returned. Rows keep arriving
// after a page was read, some older than it (a site shipping its backlog
// after an outage): each query also returns, first, the rows the store got
// since the previous query that sort before where the reader stands, found
// through each file's shipped position (CentralCursor). So a reader that
// follows the store sees every row exactly once, late ones out of time order.
// Each query is one REPEATABLE READ transaction: one consistent snapshot.
//
// Thread: one thread at a time; keeps one connection open.

#include <memory>
#include <string>
#include <vector>

#include "storage/pg_connection.hpp"
#include "storage/recording_reader.hpp"

namespace ivy::storage {

class CentralReader final : public RecordingReader {
 public:
  // Fails if the store cannot be reached, has no ivyd tables, or was made by
  // a newer ivyd.
  static Result<std::unique_ptr<CentralReader>> open(const std::string& url, std::vector<std::string> sites);

  Result<QueryResult> query(const QueryFilter& filter) const override;
  Result<Summary> summary() const override;
  // Subscriptions of every site read; `bus` is "<site>/<bus>", as the same
  // bus name on two sites is two buses.
  Result<std::vector<SubscriptionUse>> subscriptions() const override;
  Result<std::vector<std::int64_t>> message_counts(std::int64_t from_ns, std::int64_t to_ns,
                                                   std::size_t buckets) const override;

 private:
  struct Bounds;
  CentralReader(std::unique_ptr<PgConnection> db, std::vector<std::string> sites);
  Result<Bounds> bounds() const;
  Result<QueryResult> query_in_snapshot(const QueryFilter& filter) const;
  Status summarize(Summary& out) const;

  std::unique_ptr<PgConnection> db_;
  std::vector<std::string> sites_;
  PgParam sites_param_;  // NULL: every site
  mutable std::int64_t message_window_ns_;
  mutable std::int64_t event_window_ns_;
};

}  // namespace ivy::storage
