#include "storage/central_shipper.hpp"

#include <random>

#include "core/backoff.hpp"
#include "storage/pg_central_store.hpp"

namespace ivy::storage {

CentralShipper::CentralShipper(CentralShipperOptions options)
    : CentralShipper(options, std::make_unique<PgCentralStore>(options.connection)) {
  pg_ = static_cast<PgCentralStore*>(store_.get());
}

CentralShipper::CentralShipper(CentralShipperOptions options, std::unique_ptr<CentralStore> store)
    : options_(std::move(options)),
      store_(std::move(store)),
      shipper_(options_.shipper, *store_),
      thread_([this] { run(); }) {}

CentralShipper::~CentralShipper() { close(); }

void CentralShipper::on_retiring(const std::string& path) {
  shipper_.on_retiring(path);
  wake();
}

ShipperStats CentralShipper::stats() const {
  ShipperStats s = shipper_.stats();
  s.target = redact_url(options_.connection.url);
  if (pg_) s.repaired_rows = pg_->repaired_rows();
  return s;
}

void CentralShipper::wake() {
  std::lock_guard lock(mutex_);
  woken_ = true;
  wake_cv_.notify_all();
}

void CentralShipper::close() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    wake_cv_.notify_all();
  }
  store_->interrupt();
  if (thread_.joinable()) thread_.join();
  store_->close();
}

void CentralShipper::run() {
  Backoff backoff(options_.retry_min, options_.retry_max);
  std::mt19937 random{std::random_device{}()};
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    const ShipOutcome outcome = shipper_.step();
    lock.lock();
    if (outcome == ShipOutcome::kMore) {
      backoff.reset();
      continue;
    }
    std::chrono::milliseconds wait = options_.interval;
    if (outcome == ShipOutcome::kFailed) wait = backoff.next(unit(random));
    else backoff.reset();
    wake_cv_.wait_for(lock, wait, [this] { return stopping_ || woken_; });
    woken_ = false;
  }
}

}  // namespace ivy::storage
