#pragma once
// RecordingReader: what `ivyctl query|export|info|replay` read through, so
// that each works the same on a local recording (Reader: one SQLite file or
// a recording set) and on the central store (CentralReader: PostgreSQL).
//
//   auto reader = open_recording_reader(db, sites);   // a path or a postgresql:// URI
//   auto page = (*reader)->query(filter);  ...  filter.after = page->next;
//
// Also what `ivyctl lint --db` (subscriptions) and `info`'s sparkline
// (message_counts) read, and `ivyctl plot` (query).
//
// Thread: one thread at a time.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "storage/query.hpp"
#include "storage/subscription_usage.hpp"
#include "storage/summary.hpp"

namespace ivy::storage {

class RecordingReader {
 public:
  virtual ~RecordingReader() = default;
  // Entries matching `filter`, in time order, continuing after filter.after.
  virtual Result<QueryResult> query(const QueryFilter& filter) const = 0;
  // Counts, rates, busiest texts, gaps: see summary.hpp.
  virtual Result<Summary> summary() const = 0;
  // Every subscription with its deliveries: see subscription_usage.hpp.
  virtual Result<std::vector<SubscriptionUse>> subscriptions() const = 0;
  // Messages per interval: [from_ns, to_ns) cut into `buckets` equal parts
  // (the last one takes the rounding).
  virtual Result<std::vector<std::int64_t>> message_counts(std::int64_t from_ns, std::int64_t to_ns,
                                                           std::size_t buckets) const = 0;
};

// A libpq URI ("postgresql://..." or "postgres://...") names a central store.
bool is_central_location(std::string_view location);

// Opens `location`: a central store (only the sites in `sites`, all if
// empty) or a local recording (`sites` must be empty: a local recording has
// no site).
Result<std::unique_ptr<RecordingReader>> open_recording_reader(const std::string& location,
                                                               const std::vector<std::string>& sites);

}  // namespace ivy::storage
