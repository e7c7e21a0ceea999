#pragma once
// HsCompileWorker: the one background thread of core/. It turns snapshots of a
// shard's patterns into Hyperscan databases (build_hs_database), so that no
// compile ever runs on the event loop or on the message path.
//
// Protocol: the owner submit()s jobs; a job still queued for the same shard is
// replaced by the newer snapshot (coalescing churn); jobs run one at a time in
// FIFO order, so the results of one shard come back in submission order. The
// owner polls take_done() (a relaxed atomic load when there is nothing) and
// installs the results itself: the worker never touches matcher state.
//
// Thread: submit/take_done/wait_idle from the owner's thread. The destructor
// never waits: it drops the queued jobs and detaches the thread, which
// finishes the compile in progress (a base merge of 10,000 patterns takes a
// minute and cannot be interrupted) on state it shares, then exits. So a
// daemon stops within its bound however large its subscription set.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/hs_database.hpp"

namespace ivy {

struct HsCompileJob {
  std::size_t shard = 0;
  std::uint64_t generation = 0;
  std::vector<HsPatternSpec> specs;
  JitMode hit_jit = JitMode::kJit;
};

struct HsCompileDone {
  std::size_t shard = 0;
  std::uint64_t generation = 0;
  HsBuildResult result;
};

class HsCompileWorker {
 public:
  HsCompileWorker();
  HsCompileWorker(const HsCompileWorker&) = delete;
  HsCompileWorker& operator=(const HsCompileWorker&) = delete;
  ~HsCompileWorker();

  void submit(HsCompileJob job);

  // Moves finished results to `out`; returns false (without locking) if none.
  bool take_done(std::vector<HsCompileDone>& out);

  // Blocks until no job is queued or running. For flush() in tests/benchmarks.
  void wait_idle();

  bool idle() const;
  std::uint64_t compiles() const { return state_->compiles.load(std::memory_order_relaxed); }

 private:
  // Everything the thread touches: shared, so it outlives a detached thread.
  struct State {
    mutable std::mutex mutex;
    std::condition_variable wake;
    std::condition_variable idle;
    std::deque<HsCompileJob> queue;
    std::vector<HsCompileDone> done;
    bool running_job = false;
    bool stop = false;
    std::atomic<bool> has_done{false};
    std::atomic<std::uint64_t> compiles{0};
  };
  static void run(const std::shared_ptr<State>& state);

  std::shared_ptr<State> state_ = std::make_shared<State>();
  std::thread thread_;  // last: starts after state_ exists
};

}  // namespace ivy
