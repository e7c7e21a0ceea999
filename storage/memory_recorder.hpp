#pragma once
// MemoryRecorder: the in-memory RecordSink for tests. Keeps every accepted
// record in a vector, in order. Optionally bounded, to exercise drop paths:
// past `capacity` records (0 = unbounded) try_append() drops and counts, and
// the next accepted record is preceded by a GapRecord, as the real one does.
//
// Thread: all members are safe to call from any thread.

#include <cstddef>
#include <mutex>
#include <vector>

#include "storage/record_sink.hpp"

namespace ivy::storage {

class MemoryRecorder final : public RecordSink {
 public:
  explicit MemoryRecorder(std::size_t capacity = 0);

  bool try_append(Record record) override;
  SinkStats stats() const override;
  Status flush(std::chrono::milliseconds timeout) override;
  void close() override;

  // A copy of everything recorded so far (gaps included).
  std::vector<Record> records() const;
  // Empties the store, so a full fake accepts again (counters are kept).
  void clear();

 private:
  mutable std::mutex mutex_;
  std::vector<Record> records_;
  std::size_t capacity_;
  SinkStats stats_;
  std::uint64_t pending_drops_ = 0;
  Stamp first_drop_;
  bool closed_ = false;
};

}  // namespace ivy::storage
