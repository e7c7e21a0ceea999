#include "core/backoff.hpp"

#include <algorithm>

namespace ivy {

Backoff::Backoff(std::chrono::milliseconds min, std::chrono::milliseconds max)
    : min_(std::max(min, std::chrono::milliseconds(1))), max_(std::max(max, min_)) {}

std::chrono::milliseconds Backoff::next(double unit) {
  unit = std::clamp(unit, 0.0, 1.0);
  // Doubling stops at max; capping the shift keeps 2^n finite.
  double base = static_cast<double>(min_.count());
  for (std::uint32_t i = 0; i < attempts_ && base < static_cast<double>(max_.count()); ++i) base *= 2;
  base = std::min(base, static_cast<double>(max_.count()));
  ++attempts_;
  const double jittered = base * (0.75 + 0.5 * unit);
  const auto ms = static_cast<std::int64_t>(jittered);
  return std::clamp(std::chrono::milliseconds(ms), min_, max_);
}

}  // namespace ivy
