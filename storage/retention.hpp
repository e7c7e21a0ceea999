#pragma once
// Retention: which old files of a recording set to delete. Pure: the caller
// lists the files and deletes what this returns.
//
//   max_age_ns:  a file that stopped being written before now - max_age goes.
//   max_bytes:   while the set (current file included) is larger, the oldest
//                files go.
// The current file is never chosen. Zero disables a limit.
//
// One clock decides a file's age: the recorder's own. A file stopped being
// written when the next file of the set started, and that start is in the next
// file's name, which the recorder chose from its clock. File modification
// times are never read: a copied or restored recording carries a new mtime,
// and a clock injected in tests would meet the real one there. If the
// recorder was down between two files, the older one counts as written until
// the newer one started: it is kept longer, never deleted early. The newest
// file has no successor and is not judged by age.

#include <cstdint>
#include <string>
#include <vector>

#include "storage/file_set.hpp"

namespace ivy::storage {

struct RetentionPolicy {
  std::int64_t max_age_ns = 0;
  std::uint64_t max_bytes = 0;
};

// `files` oldest first, as FileSet::files() returns them; `now_wall_ns` from
// the clock that named them.
std::vector<std::string> files_to_delete(const std::vector<SetFile>& files,
                                         const std::string& current,
                                         std::int64_t now_wall_ns,
                                         const RetentionPolicy& policy);

}  // namespace ivy::storage
