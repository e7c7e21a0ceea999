#include "storage/clock.hpp"

#include <chrono>

namespace ivy::storage {

Stamp SystemClock::now() const {
  using std::chrono::duration_cast;
  using std::chrono::nanoseconds;
  // steady_clock is CLOCK_MONOTONIC on Linux, as the bus side's mono_ns.
  return Stamp{
      duration_cast<nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count(),
      duration_cast<nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count()};
}

const SystemClock& SystemClock::instance() {
  static const SystemClock clock;
  return clock;
}

}  // namespace ivy::storage
