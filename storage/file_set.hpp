#pragma once
// FileSet: the files of one recording, named after the configured path
// `<dir>/<stem>.db` (the extension may be anything or absent):
//
//   <dir>/<stem>-YYYYmmdd-HHMMSS.db     one file, named by its UTC start time
//   <dir>/<stem>-YYYYmmdd-HHMMSS-N.db   N = 2, 3, ... if that name is taken
//   <dir>/<stem>.db                     symlink to the file being written
//   <dir>/<stem>-....db.corrupt-YYYYmmdd-HHMMSS   a file moved aside
//
// Files are never renamed while in use (a WAL database renamed under a
// reader would pair the wrong -wal file with it), hence names fixed at birth
// and a symlink for the current one (SQLite resolves symlinks).
//
// Thread: any; it holds no state but the names.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace ivy::storage {

struct SetFile {
  std::string path;
  std::uint64_t bytes = 0;      // database + -wal
  std::int64_t started_ns = 0;  // wall clock, from the name (whole seconds)
};

class FileSet {
 public:
  explicit FileSet(std::string configured_path);

  // A name for a new file started at `wall_ns` that does not exist yet.
  std::string new_file_path(std::int64_t wall_ns) const;
  // The set's files, oldest first.
  std::vector<SetFile> files() const;
  std::optional<std::string> newest() const;

  // Points the configured path at `file` (atomically). Fails, touching
  // nothing, if the configured path is a regular file.
  Status link_current(const std::string& file) const;
  // Renames `file` and its -wal/-shm to `<file>.corrupt-<time>`; returns the
  // new name. Nothing is deleted.
  Result<std::string> move_aside(const std::string& file, std::int64_t wall_ns) const;
  // Deletes `file` and its -wal/-shm.
  Status remove(const std::string& file) const;

  const std::string& configured_path() const { return configured_; }

 private:
  bool is_member(const std::string& filename) const;

  std::string configured_;
  std::string dir_;
  std::string stem_;
  std::string ext_;
};

// "YYYYmmdd-HHMMSS" in UTC.
std::string compact_utc(std::int64_t wall_ns);
// The inverse, in ns; nullopt for text that is not such a time.
std::optional<std::int64_t> parse_compact_utc(const std::string& text);

}  // namespace ivy::storage
