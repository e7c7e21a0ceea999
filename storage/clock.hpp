#pragma once
// Clock: where the writer gets "now" (file names, recording start/stop,
// rotation age, retry timing), so tests can drive time by hand.
//
// Thread: implementations must be callable from the writer thread while the
// test thread moves them.

#include "storage/record.hpp"

namespace ivy::storage {

class Clock {
 public:
  virtual ~Clock() = default;
  // wall = CLOCK_REALTIME, mono = CLOCK_MONOTONIC, both in ns.
  virtual Stamp now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Stamp now() const override;
  // A process-wide instance.
  static const SystemClock& instance();
};

}  // namespace ivy::storage
