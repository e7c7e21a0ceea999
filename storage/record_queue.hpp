#pragma once
// RecordQueue: the bounded hand-off between the bus thread (producer) and the
// writer thread (consumer), with the drop policy.
//
// Admission: a MessageRecord is dropped when `capacity` records are queued;
// control records (joins, subscriptions, ...) may use `control_reserve` more
// slots, so the control plane survives a message flood and later joins stay
// right. Every drop is counted; the next accepted record is preceded by one
// GapRecord{first dropped, this record, count}.
//
// Waking: the consumer sleeps until `wake_rows` records are queued, wake() is
// called, the queue is closed, or its deadline passes; then it takes
// everything queued at once (so batches grow when the writer falls behind).
//
// Thread: try_push() from one producer; wait_take() from one consumer; the
// rest from anywhere.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "storage/record.hpp"

namespace ivy::storage {

class RecordQueue {
 public:
  RecordQueue(std::size_t capacity, std::size_t control_reserve,
              std::size_t wake_rows);

  // Never blocks beyond a short mutex hold. False = dropped (or closed).
  bool try_push(Record record);

  // Moves every queued record to the end of `out`. Returns false once the
  // queue is closed and empty.
  bool wait_take(std::vector<Record>& out,
                 std::chrono::steady_clock::time_point deadline);

  void wake();   // ends the consumer's current wait early
  void close();  // refuses new records; the consumer drains what is left
  bool closed() const;

  std::size_t size() const;
  std::size_t peak() const;
  std::uint64_t dropped() const;
  std::uint64_t accepted() const;  // records accepted so far, gaps included

 private:
  bool admits(const Record& record) const;

  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::vector<Record> items_;
  std::size_t capacity_;
  std::size_t control_reserve_;
  std::size_t wake_rows_;
  std::size_t peak_ = 0;
  std::uint64_t dropped_ = 0;
  std::uint64_t accepted_ = 0;
  std::uint64_t pending_drops_ = 0;
  Stamp first_drop_;
  bool woken_ = false;
  bool closed_ = false;
};

}  // namespace ivy::storage
