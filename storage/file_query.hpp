#pragma once
// FileQuery: reads entries out of one recording file, read-only. Works on a
// live WAL database while ivyd writes it (readers see committed batches).
//
// Time ranges on `message` use the rowid: messages are inserted in arrival
// order, so the first id at or after a time is found by binary search over
// the primary key instead of an index the writer would have to maintain.
//
// Thread: one thread at a time.

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "storage/query.hpp"
#include "storage/sqlite_handle.hpp"
#include "storage/text_filter.hpp"

namespace ivy::storage {

class FileQuery {
 public:
  static Result<FileQuery> open(const std::string& path);

  // Entries after the given ids that pass the filter's time, agent, kind and
  // text tests, in time order, at most `limit` (0 = all).
  Result<std::vector<Entry>> entries(const QueryFilter& filter, const TextFilter& text,
                                     std::int64_t after_message, std::int64_t after_event);

  // First message id whose wall_ns >= t (max id + 1 if none).
  Result<std::int64_t> first_message_at(std::int64_t t);

  Database& db() { return db_; }
  // A file the writer has only just created: no tables yet.
  bool empty() const { return empty_; }

 private:
  FileQuery(std::string path, Database db) : path_(std::move(path)), db_(std::move(db)) {}
  Status messages(const QueryFilter& f, const TextFilter& text, std::int64_t after,
                  std::vector<Entry>& out);
  Status events(const QueryFilter& f, const TextFilter& text, std::int64_t after,
                std::vector<Entry>& out);
  Status add_receivers(Entry& entry);

  std::string path_;
  Database db_;
  Statement receivers_;
  bool empty_ = false;
};

}  // namespace ivy::storage
