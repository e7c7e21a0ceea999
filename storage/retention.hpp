#pragma once
// Retention: which old files of a recording set to delete. Pure: the caller
// lists the files and deletes what this returns.
//
//   max_age_ns:  a file whose last write is older than now - max_age goes.
//   max_bytes:   while the set (current file included) is larger, the oldest
//                files go.
// The current file is never chosen. Zero disables a limit.

#include <cstdint>
#include <string>
#include <vector>

#include "storage/file_set.hpp"

namespace ivy::storage {

struct RetentionPolicy {
  std::int64_t max_age_ns = 0;
  std::uint64_t max_bytes = 0;
};

// `files` oldest first, as FileSet::files() returns them.
std::vector<std::string> files_to_delete(const std::vector<SetFile>& files,
                                         const std::string& current,
                                         std::int64_t now_wall_ns,
                                         const RetentionPolicy& policy);

}  // namespace ivy::storage
