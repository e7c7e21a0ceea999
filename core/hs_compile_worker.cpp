#include "core/hs_compile_worker.hpp"

#include <algorithm>
#include <utility>

namespace ivy {

HsCompileWorker::HsCompileWorker() : thread_([state = state_] { run(state); }) {}

HsCompileWorker::~HsCompileWorker() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stop = true;
    state_->queue.clear();
  }
  state_->wake.notify_all();
  thread_.detach();  // see the header: never wait for a compile in progress
}

void HsCompileWorker::submit(HsCompileJob job) {
  {
    std::lock_guard lock(state_->mutex);
    auto& queue = state_->queue;
    auto queued = std::find_if(queue.begin(), queue.end(), [&](const HsCompileJob& j) { return j.shard == job.shard; });
    if (queued != queue.end()) {
      *queued = std::move(job);  // the newer snapshot supersedes it
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

void HsCompileWorker::wait_idle() {
  std::unique_lock lock(state_->mutex);
  state_->idle.wait(lock, [this] { return state_->queue.empty() && !state_->running_job; });
}

bool HsCompileWorker::idle() const {
  std::lock_guard lock(state_->mutex);
  return state_->queue.empty() && !state_->running_job;
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
    HsCompileDone done{job.shard, job.generation, build_hs_database(job.specs, job.hit_jit)};
    lock.lock();
    state->done.push_back(std::move(done));
    state->has_done.store(true, std::memory_order_release);
    state->compiles.fetch_add(1, std::memory_order_relaxed);
    state->running_job = false;
    if (state->queue.empty()) state->idle.notify_all();
  }
}

}  // namespace ivy
