#include "core/hs_compile_worker.hpp"

#include <algorithm>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "core/hs_cache_entry.hpp"

namespace ivy {

namespace {

template <class State>
std::shared_ptr<State> make_state(std::shared_ptr<DatabaseCache> cache) {
  auto state = std::make_shared<State>();
  state->cache = std::move(cache);  // before the thread starts; never changed
  return state;
}

// Runs `use` on the cache unless the worker was stopped. The owner's
// destructor waits for a use in progress, so nothing touches the cache (and
// the libraries behind it, which the process may be tearing down) once the
// owner is gone, even while a detached compile runs on.
template <class State, class Use>
void with_cache(State& state, Use&& use) {
  std::lock_guard cache_lock(state.cache_mutex);
  {
    std::lock_guard lock(state.mutex);
    if (state.stop) return;
  }
  use(*state.cache);
}

}  // namespace

HsCompileWorker::HsCompileWorker(std::shared_ptr<DatabaseCache> cache)
    : state_(make_state<State>(std::move(cache))), thread_([state = state_] { run(state); }) {}

HsCompileWorker::~HsCompileWorker() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stop = true;
    state_->queue.clear();
    state_->on_done = nullptr;  // its target (an event loop) may go away with us
  }
  state_->wake.notify_all();
  { std::lock_guard wait_for_a_cache_use_in_progress(state_->cache_mutex); }
  thread_.detach();  // see the header: never wait for a compile in progress
}

void HsCompileWorker::submit(HsCompileJob job) {
  {
    std::lock_guard lock(state_->mutex);
    auto& queue = state_->queue;
    auto queued = std::find_if(queue.begin(), queue.end(), [&](const HsCompileJob& j) { return j.shard == job.shard; });
    if (queued != queue.end()) {
      *queued = std::move(job);  // the newer snapshot supersedes it
    } else if (job.cache_only) {
      queue.push_front(std::move(job));  // milliseconds that may spare every shard compile
    } else {
      queue.push_back(std::move(job));
    }
  }
  state_->wake.notify_one();
}

bool HsCompileWorker::take_done(std::vector<HsCompileDone>& out) {
  if (!state_->has_done.load(std::memory_order_acquire)) return false;
  std::lock_guard lock(state_->mutex);
  for (auto& d : state_->done) out.push_back(std::move(d));
  state_->done.clear();
  state_->has_done.store(false, std::memory_order_relaxed);
  return true;
}

void HsCompileWorker::set_on_done(std::function<void()> on_done) {
  std::lock_guard lock(state_->mutex);
  state_->on_done = std::move(on_done);
}

void HsCompileWorker::wait_idle() {
  std::unique_lock lock(state_->mutex);
  state_->idle.wait(lock, [this] { return state_->queue.empty() && !state_->running_job; });
}

bool HsCompileWorker::idle() const {
  std::lock_guard lock(state_->mutex);
  return state_->queue.empty() && !state_->running_job;
}

// Runs without the lock; `state.cache` is set before the first job and never
// changes, and a DatabaseCache is thread-safe.
HsCompileDone HsCompileWorker::process(State& state, HsCompileJob& job) {
  HsCompileDone done{job.shard, job.generation, {}, false, false};
  // Sorted: one key per set whatever the arrival order (hs_cache_entry.hpp).
  std::sort(job.specs.begin(), job.specs.end(),
            [](const HsPatternSpec& a, const HsPatternSpec& b) { return a.text < b.text; });
  DatabaseCache* cache = job.specs.empty() ? nullptr : state.cache.get();
  std::string key;
  if (cache) {
    key = hs_cache_key(job.specs);
    std::optional<std::string> bytes;
    with_cache(state, [&](DatabaseCache& c) { bytes = c.load(key); });
    if (bytes) {
      if (auto loaded = decode_hs_cache_entry(*bytes, job.specs, JitMode::kInterpreter)) {
        done.result = std::move(*loaded);
        done.from_cache = true;
        state.cache_hits.fetch_add(1, std::memory_order_relaxed);
        return done;
      }
      // Another Hyperscan or CPU, or damaged past the cache's own checks.
      with_cache(state, [&](DatabaseCache& c) { c.remove(key); });
    }
  }
  if (job.cache_only) {
    done.missed = true;
    return done;
  }
  done.result = build_hs_database(job.specs, job.hit_jit);
  if (!job.specs.empty()) state.compiles.fetch_add(1, std::memory_order_relaxed);
  if (cache && done.result.database) {
    const std::string entry = encode_hs_cache_entry(done.result, job.specs);
    with_cache(state, [&](DatabaseCache& c) { c.store(key, entry); });
  }
  return done;
}

// The JIT copies of a database loaded from the cache, off the critical path:
// the matcher already scans with it (interpreter on hits) meanwhile.
std::optional<HsCompileDone> HsCompileWorker::jit_upgrade(const HsCompileJob& job,
                                                          const HsDatabase& loaded) {
  if (job.hit_jit != JitMode::kJit) return std::nullopt;
  std::unordered_map<PatternId, const HsPatternSpec*> by_id;
  for (const HsPatternSpec& spec : job.specs) by_id.emplace(spec.id, &spec);
  std::vector<HsPatternInfo> patterns;
  bool any = false;
  for (const HsPatternInfo& info : loaded.patterns()) {
    patterns.push_back(hs_pattern_info(*by_id.at(info.id), info.prefilter, JitMode::kJit));
    any = any || patterns.back().hit_regex != nullptr;
  }
  if (!any) return std::nullopt;  // nothing needs PCRE2 on a hit, or no JIT here
  HsCompileDone upgrade{job.shard, job.generation, {}, true, false, true};
  upgrade.result.database = loaded.with_patterns(std::move(patterns));
  return upgrade;
}

void HsCompileWorker::deliver(State& state, HsCompileDone done) {
  std::lock_guard lock(state.mutex);
  state.done.push_back(std::move(done));
  state.has_done.store(true, std::memory_order_release);
  if (state.on_done && !state.stop) state.on_done();
}

void HsCompileWorker::run(const std::shared_ptr<State>& state) {
  std::unique_lock lock(state->mutex);
  for (;;) {
    state->wake.wait(lock, [&] { return state->stop || !state->queue.empty(); });
    if (state->stop) return;
    HsCompileJob job = std::move(state->queue.front());
    state->queue.pop_front();
    state->running_job = true;
    lock.unlock();
    HsCompileDone done = process(*state, job);
    // A loaded database is handed over first; its JIT copies follow.
    const auto loaded = done.from_cache ? done.result.database : nullptr;
    deliver(*state, std::move(done));
    if (loaded) {
      if (auto upgrade = jit_upgrade(job, *loaded)) deliver(*state, std::move(*upgrade));
    }
    lock.lock();
    state->running_job = false;
    if (state->queue.empty()) state->idle.notify_all();
  }
}

}  // namespace ivy
