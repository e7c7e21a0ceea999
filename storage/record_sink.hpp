#pragma once
// RecordSink: where the bus side hands what it saw. The one narrow interface
// between the daemon and storage; SqliteRecorder is the real one,
// MemoryRecorder the fake for tests of everything else.
//
// Thread: try_append() is called from the bus thread only; stats(), flush()
// and close() from any thread.

#include <chrono>
#include <cstdint>
#include <string>

#include "core/result.hpp"
#include "storage/record.hpp"

namespace ivy::storage {

struct SinkStats {
  std::uint64_t queued = 0;       // records waiting for the writer now
  std::uint64_t peak_queued = 0;  // highest queue depth seen
  std::uint64_t dropped = 0;      // records lost: queue full or database down
  std::uint64_t written = 0;      // records committed (messages, events, gaps)
  std::uint64_t batches = 0;      // transactions committed
  std::uint64_t files = 0;        // files opened (1 + rotations + recoveries)
  std::int64_t lag_ns = 0;        // age of the oldest record of the last batch
                                  // when it was committed (monotonic clock)
  bool available = true;          // false while storage cannot be written
  std::string last_error;         // most recent storage error ("" = none yet);
                                  // kept after recovery, see `available`
};

class RecordSink {
 public:
  virtual ~RecordSink() = default;

  // Queues one record. Never blocks on I/O (at most a short mutex hold).
  // Returns false when the record was dropped (queue full or sink closed);
  // the drop is counted and later shows up as a GapRecord.
  virtual bool try_append(Record record) = 0;

  virtual SinkStats stats() const = 0;

  // Waits until every record appended before the call is committed or
  // dropped. Fails on timeout or when the batch could not be written.
  virtual Status flush(std::chrono::milliseconds timeout) = 0;

  // Writes what is queued, marks the recording stopped and releases storage.
  // Idempotent. try_append() returns false afterwards.
  virtual void close() = 0;
};

}  // namespace ivy::storage
