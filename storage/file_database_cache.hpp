#pragma once
// FileDatabaseCache: the DatabaseCache (core/database_cache.hpp) in a
// directory, shared by every matcher of a process and by processes that use
// the same directory (ivyd: its state directory; ivyctl: ~/.cache/ivyd).
//
// One file per entry, named after the SHA-256 of its key: <64 hex>.hsdb,
// holding a magic line, the key's digest, the payload's length and SHA-256,
// then the payload. Files are written to a temporary name and renamed, so a
// reader sees a whole file or none; a crash leaves at most a temporary file,
// removed by the next open() once its writer is gone.
//
// Every load verifies the file (magic, key digest, length, payload digest):
// a truncated, damaged or foreign file is removed and counted as rejected,
// never returned. The payload's own meaning is checked again by core.
//
// Size: when a store takes the directory past max_bytes, the least recently
// used files go first (use = store or load; a load touches the file's mtime,
// and within one process a counter breaks ties between equal mtimes).
//
// Failures: open() refuses a directory it cannot create or write (the caller
// logs that once and runs without a cache). Later I/O errors only count
// (store_failures) and behave as misses.
//
// Thread: every method may be called from any thread (one mutex).

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/database_cache.hpp"
#include "core/result.hpp"

namespace ivy::storage {

struct FileDatabaseCacheStats {
  std::uint64_t files = 0;           // entries in the directory (as last seen)
  std::uint64_t bytes = 0;           // their total size (as last seen)
  std::uint64_t hits = 0;            // loads that returned an entry
  std::uint64_t misses = 0;          // loads of an absent entry
  std::uint64_t rejected = 0;        // files that failed verification, removed
  std::uint64_t stores = 0;          // entries written
  std::uint64_t store_failures = 0;  // writes that failed (disk full, ...)
  std::uint64_t evictions = 0;       // files removed for the size bound
};

class FileDatabaseCache final : public DatabaseCache {
 public:
  // Creates `dir` (and its parents; the directory itself 0700) and checks a
  // file can be written there. The error names the directory and the reason.
  static Result<std::shared_ptr<FileDatabaseCache>> open(const std::string& dir,
                                                         std::uint64_t max_bytes);

  std::optional<std::string> load(std::string_view key) override;
  void store(std::string_view key, std::string_view bytes) override;
  void remove(std::string_view key) override;

  const std::string& dir() const { return dir_; }
  std::uint64_t max_bytes() const { return max_bytes_; }
  FileDatabaseCacheStats stats() const;

  // The file an entry with this key lives in (tests damage it).
  std::string path_of(std::string_view key) const;

 private:
  FileDatabaseCache(std::string dir, std::uint64_t max_bytes)
      : dir_(std::move(dir)), max_bytes_(max_bytes) {}
  void remove_stale_temporaries();
  void rescan_and_evict(const std::string& keep);
  void reject(const std::string& path);

  const std::string dir_;
  const std::uint64_t max_bytes_;
  mutable std::mutex mutex_;
  FileDatabaseCacheStats stats_;
  std::map<std::string, std::uint64_t> last_use_;  // file name -> use counter of this process
  std::uint64_t uses_ = 0;
  std::uint64_t temporaries_ = 0;
};

}  // namespace ivy::storage
