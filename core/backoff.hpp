#pragma once
// Backoff: the delays between reconnection attempts of an ivyd<->ivyd link
// (docs/config.md `reconnect_min_ms`, `reconnect_max_ms`): the first delay is
// `min`, each failed attempt doubles it up to `max`, and every delay is
// jittered by +-25 % (then kept within [min, max]) so that many links cut at
// the same moment do not all redial at the same moment. A successful
// connection calls reset() and the next delay is `min` again.
//
// Randomness is injected: next() takes a number in [0, 1), so tests are exact
// and the daemon passes a std::uniform_real_distribution draw.
//
// Thread: a plain value; one owner.

#include <chrono>
#include <cstdint>

namespace ivy {

class Backoff {
 public:
  // `max` below `min` is taken as `min`.
  Backoff(std::chrono::milliseconds min, std::chrono::milliseconds max);

  // The delay before the next attempt; counts one more attempt. `unit` is a
  // random number in [0, 1) (values outside are clamped).
  std::chrono::milliseconds next(double unit);
  // A connection succeeded: back to `min`.
  void reset() { attempts_ = 0; }
  // Attempts since the last reset().
  std::uint32_t attempts() const { return attempts_; }

 private:
  std::chrono::milliseconds min_;
  std::chrono::milliseconds max_;
  std::uint32_t attempts_ = 0;
};

}  // namespace ivy
