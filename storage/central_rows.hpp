#pragma once
// CentralRows: the SQL that reads entries out of the central store, for
// CentralReader. Two streams, messages and events (with the files retention
// deleted before shipping, as gap entries), each in the store's order
// (wall_ns, file_id, id).
//
// Time ranges go through the BRIN index on wall_ns (central_schema.cpp),
// which finds a range fast but cannot return rows in order: a page is read
// window by window, each a bounded range of time sorted on its own, the
// window growing until the page is full or the data ends (`until_ns`). The
// text filter (PCRE2, as for local recordings) runs here, on the rows read.
//
// Thread: within the caller's transaction, on the caller's connection.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "storage/pg_connection.hpp"
#include "storage/query.hpp"
#include "storage/text_filter.hpp"

namespace ivy::storage {

enum class CentralStream { kMessages, kEvents };

// What to read, for one stream.
struct StreamScope {
  PgParam sites;   // text[] literal, or NULL for every site
  PgParam agent;   // exact name, or NULL
  PgParam kinds;   // text[] literal of the kinds wanted ("msg", "join", ...)
  std::int64_t since_ns = 0;
  std::int64_t until_ns = 0;  // exclusive; bounded by the newest row shipped
  std::int64_t first_ns = 0;  // where the first window starts without since_ns (the oldest file's start)
};

// One page of a stream: the matching entries, and how far the rows read go.
struct StreamPage {
  std::vector<Entry> entries;   // in order
  std::vector<CentralCursor::Key> keys;  // the key of each entry
  std::optional<CentralCursor::Key> scanned;  // the last row read (matching or not)
  bool reached_end = false;     // every row up to until_ns was read
};

class CentralRows {
 public:
  CentralRows(PgConnection& db, const TextFilter& text) : db_(db), text_(text) {}

  // Up to `limit` (0 = no limit) matching entries after `after`.
  // `window_ns` is the time span read per query; adapted here and kept by
  // the caller for the next page.
  Result<StreamPage> page(CentralStream stream, const StreamScope& scope, std::optional<CentralCursor::Key> after,
                          std::size_t limit, std::int64_t& window_ns);
  // Entries of the files in `ranges` with ids in (after, upto] (and, for
  // events, the gaps of files completed since), at or before `at_or_before`.
  struct Range {
    std::int64_t file_id, after, upto;
    bool newly_complete;
  };
  Result<StreamPage> shipped_late(CentralStream stream, const StreamScope& scope, const std::vector<Range>& ranges,
                                  const CentralCursor::Key& at_or_before);
  // Fills the receivers of the messages among `entries`.
  Status add_receivers(std::vector<Entry>& entries, const std::vector<CentralCursor::Key>& keys);

 private:
  Result<std::size_t> read(const std::string& sql, const std::vector<PgParam>& params, CentralStream stream,
                           StreamPage& out, std::size_t want);

  PgConnection& db_;
  const TextFilter& text_;
};

// A PostgreSQL text[] literal of `values`, quoted.
std::string pg_text_array(const std::vector<std::string>& values);

}  // namespace ivy::storage
