#pragma once
// SqliteRecorderOptions: everything the SQLite recorder can be told. Zero for
// a limit means "no limit".

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "storage/recording_file.hpp"

namespace ivy::storage {

class Clock;

enum class LogLevel { kDebug, kInfo, kWarning, kError };
// Called from the writer thread; must not block for long.
using LogFn = std::function<void(LogLevel, const std::string&)>;

struct SqliteRecorderOptions {
  // Configured path `<dir>/<stem>.db`: files are `<stem>-YYYYmmdd-HHMMSS.db`
  // next to it, and the path itself becomes a symlink to the current file
  // (see file_set.hpp). At start the newest file is appended to, unless it is
  // already due for rotation by size.
  std::string path;

  std::size_t queue_capacity = 65536;  // messages queued before dropping
  std::size_t control_reserve = 8192;   // extra slots for control records
  std::size_t batch_rows = 2000;        // queue depth that wakes the writer
  std::chrono::milliseconds batch_interval{50};  // max wait, keep <= 100 ms

  std::uint64_t rotate_bytes = 0;           // start a new file past this size
  std::chrono::seconds rotate_after{0};     // ... or after this long
  std::chrono::seconds retain_for{0};       // delete files older than this
  std::uint64_t retain_bytes = 0;           // ... or oldest while set is larger
  std::chrono::milliseconds retry_interval{1000};  // reopen after a failure

  RecordingMeta meta;  // copied into every file's `recordings` row
  LogFn log;           // may be empty
  // Called on the writer thread just before retention deletes `path` (the
  // shipper notes what of it was never shipped); may be empty. Must not
  // block for long.
  std::function<void(const std::string& path)> before_delete;
  const Clock* clock = nullptr;  // null = SystemClock; must outlive recorder
};

}  // namespace ivy::storage
