#pragma once
// HsCompileWorker: the one background thread of core/. It turns snapshots of a
// shard's patterns into Hyperscan databases (build_hs_database), so that no
// compile ever runs on the event loop or on the message path.
//
// Protocol: the owner submit()s jobs; a job still queued for the same shard is
// replaced by the newer snapshot (coalescing churn); jobs run one at a time in
// FIFO order, except cache-only jobs, which go first. So the results of one
// shard come back in submission order. The owner polls take_done() (a relaxed
// atomic load when there is nothing) and installs the results itself: the
// worker never touches matcher state. The on_done callback, if set, is called
// on the worker thread after each result, under the worker's lock.
//
// Cache (optional, see database_cache.hpp): a job's patterns are sorted by
// text and looked up first (hs_cache_entry.hpp); a hit costs a file read and
// a deserialize instead of a compile, and a compiled database is stored for
// next time. A loaded database is delivered at once with PCRE2's interpreter
// for the capture step; its JIT copies (~30 µs a pattern: 0.1 s for 3,000)
// follow as a second result marked `upgrade`, the same database with JIT. A
// cache-only job (probe) compiles nothing on a miss: it asks "is this whole
// set known?" before shards are compiled.
//
// Thread: submit/take_done/wait_idle from the owner's thread. The destructor
// never waits for a compile: it drops the queued jobs and detaches the
// thread, which finishes the compile in progress (a base merge of 10,000
// patterns takes a minute and cannot be interrupted) on state it shares, then
// exits. So a daemon stops within its bound however large its subscription
// set. The on_done callback is never called once the destructor returned.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/database_cache.hpp"
#include "core/hs_database.hpp"

namespace ivy {

struct HsCompileJob {
  std::size_t shard = 0;
  std::uint64_t generation = 0;
  std::vector<HsPatternSpec> specs;
  JitMode hit_jit = JitMode::kJit;
  bool cache_only = false;  // a probe: load from the cache or give nothing
};

struct HsCompileDone {
  std::size_t shard = 0;
  std::uint64_t generation = 0;
  HsBuildResult result;
  bool from_cache = false;
  bool missed = false;   // a cache-only job found nothing: no result
  bool upgrade = false;  // the previous result's database again, with JIT copies
};

class HsCompileWorker {
 public:
  explicit HsCompileWorker(std::shared_ptr<DatabaseCache> cache = nullptr);
  HsCompileWorker(const HsCompileWorker&) = delete;
  HsCompileWorker& operator=(const HsCompileWorker&) = delete;
  ~HsCompileWorker();

  void submit(HsCompileJob job);

  // Moves finished results to `out`; returns false (without locking) if none.
  bool take_done(std::vector<HsCompileDone>& out);

  // Called on the worker thread after each result; see the header comment.
  void set_on_done(std::function<void()> on_done);

  // Blocks until no job is queued or running. For flush() in tests/benchmarks.
  void wait_idle();

  bool idle() const;
  bool has_cache() const { return state_->cache != nullptr; }
  std::uint64_t compiles() const { return state_->compiles.load(std::memory_order_relaxed); }
  std::uint64_t cache_hits() const { return state_->cache_hits.load(std::memory_order_relaxed); }

 private:
  // Everything the thread touches: shared, so it outlives a detached thread.
  struct State {
    std::shared_ptr<DatabaseCache> cache;
    std::mutex cache_mutex;  // held while the cache is used; see with_cache()
    mutable std::mutex mutex;
    std::condition_variable wake;
    std::condition_variable idle;
    std::deque<HsCompileJob> queue;
    std::vector<HsCompileDone> done;
    std::function<void()> on_done;
    bool running_job = false;
    bool stop = false;
    std::atomic<bool> has_done{false};
    std::atomic<std::uint64_t> compiles{0};
    std::atomic<std::uint64_t> cache_hits{0};
  };
  static void run(const std::shared_ptr<State>& state);
  static HsCompileDone process(State& state, HsCompileJob& job);
  static std::optional<HsCompileDone> jit_upgrade(const HsCompileJob& job,
                                                  const HsDatabase& loaded);
  static void deliver(State& state, HsCompileDone done);

  std::shared_ptr<State> state_;  // its cache is set before the thread starts
  std::thread thread_;            // last: starts after state_ exists
};

}  // namespace ivy
