#pragma once
// ShipperSlot: where the recorder's retention hook finds the shipper of the
// moment. The recorder outlives shipper restarts (a reload that changes only
// `central` keeps the recording going), so its hook holds the slot, and the
// daemon puts a shipper in it or takes it out.
//
// Thread: any. on_retiring() holds the slot's lock while the shipper notes
// the file, so set(nullptr) returns only once no call is using the old one.

#include <mutex>
#include <string>

#include "storage/central_shipper.hpp"

namespace ivy::storage {

class ShipperSlot {
 public:
  void set(CentralShipper* shipper) {
    std::lock_guard lock(mutex_);
    shipper_ = shipper;
  }
  void on_retiring(const std::string& path) {
    std::lock_guard lock(mutex_);
    if (shipper_) shipper_->on_retiring(path);
  }

 private:
  std::mutex mutex_;
  CentralShipper* shipper_ = nullptr;
};

}  // namespace ivy::storage
