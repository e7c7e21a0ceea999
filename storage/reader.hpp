#pragma once
// Reader: the read API ivyctl is built on. Opens a recording read-only and
// queries it; works while ivyd is writing it (WAL: a reader sees every
// committed batch and never blocks the writer).
//
// `path` may be one recording file, or the configured path of a recording
// set (see file_set.hpp), in which case every file of the set is read, oldest
// first, and the list is refreshed on every call (rotation, retention).
//
//   auto reader = Reader::open("/var/lib/ivyd/ivyd.db");
//   QueryFilter f; f.since_ns = ...; f.kinds = kind_bit(EntryKind::kMsg);
//   for (;;) {                         // --follow
//     auto r = reader->query(f);
//     print(r->entries); f.after = r->next; sleep(500ms);
//   }
//
// Thread: one thread at a time; every call opens its own connections.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "storage/query.hpp"
#include "storage/recording_reader.hpp"
#include "storage/subscription_usage.hpp"
#include "storage/summary.hpp"

namespace ivy::storage {

class Reader final : public RecordingReader {
 public:
  static Result<Reader> open(const std::string& path);

  // Entries matching `filter`, in time order, continuing after filter.after.
  // Fails on a bad text regexp or an unreadable file.
  Result<QueryResult> query(const QueryFilter& filter) const override;

  // Counts, rates, busiest texts, gaps: see summary.hpp.
  Result<Summary> summary() const override;

  // Every subscription with its deliveries: see subscription_usage.hpp.
  Result<std::vector<SubscriptionUse>> subscriptions() const override;

  // Messages per interval: [from_ns, to_ns) cut into `buckets` equal parts
  // (the last one takes the rounding). Costs a few binary searches per
  // bucket and file (message ids are the time index), never a scan.
  Result<std::vector<std::int64_t>> message_counts(std::int64_t from_ns, std::int64_t to_ns,
                                                   std::size_t buckets) const override;

  // The files read, oldest first.
  std::vector<std::string> files() const;

 private:
  explicit Reader(std::string path, bool is_set) : path_(std::move(path)), is_set_(is_set) {}

  std::string path_;
  bool is_set_;
};

}  // namespace ivy::storage
