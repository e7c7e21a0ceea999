#pragma once
// CentralShipper: the Shipper on its own thread, shipping the recording to
// the central store. The daemon's one handle on shipping: it never blocks
// the caller on the store or the disk (stats() and on_retiring() take a
// mutex for a moment; on_retiring() reads a few rows of the file).
//
// The thread steps the shipper at once while there is more to send, every
// `interval` once everything is shipped, and after a failure waits a delay
// that doubles from retry_min up to retry_max (jittered) before trying
// again.
//
// Lifetime: the thread starts in the constructor and stops in close() (or
// the destructor), which interrupts a call in progress: it returns within
// about a second even with the store unreachable mid-batch. A batch cut
// short is not stored (the transaction is rolled back) and ships next time.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "storage/central_store.hpp"
#include "storage/pg_connection.hpp"
#include "storage/shipper.hpp"

namespace ivy::storage {

class PgCentralStore;

struct CentralShipperOptions {
  ShipperOptions shipper;
  PgConnection::Options connection;  // the store (ignored when a store is given)
  std::chrono::milliseconds interval{1000};
  std::chrono::milliseconds retry_min{1000};
  std::chrono::milliseconds retry_max{30000};
};

class CentralShipper {
 public:
  // Ships to PostgreSQL at options.connection.
  explicit CentralShipper(CentralShipperOptions options);
  // Ships to `store` (tests: MemoryCentralStore).
  CentralShipper(CentralShipperOptions options, std::unique_ptr<CentralStore> store);
  ~CentralShipper();
  CentralShipper(const CentralShipper&) = delete;
  CentralShipper& operator=(const CentralShipper&) = delete;

  // See Shipper::on_retiring (the recorder's writer thread calls this).
  void on_retiring(const std::string& path);
  ShipperStats stats() const;
  // Step now instead of at the end of the current wait.
  void wake();
  // Stops the thread. Idempotent.
  void close();

 private:
  void run();

  CentralShipperOptions options_;
  std::unique_ptr<CentralStore> store_;
  PgCentralStore* pg_ = nullptr;  // store_, when it is PostgreSQL
  Shipper shipper_;
  mutable std::mutex mutex_;
  std::condition_variable wake_cv_;
  bool stopping_ = false;
  bool woken_ = false;
  std::thread thread_;  // last: starts after everything above exists
};

}  // namespace ivy::storage
