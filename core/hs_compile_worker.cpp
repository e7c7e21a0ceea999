#include "core/hs_compile_worker.hpp"

#include <algorithm>
#include <utility>

namespace ivy {

HsCompileWorker::HsCompileWorker() : thread_([this] { run(); }) {}

HsCompileWorker::~HsCompileWorker() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void HsCompileWorker::submit(HsCompileJob job) {
  {
    std::lock_guard lock(mutex_);
    auto queued = std::find_if(queue_.begin(), queue_.end(),
                               [&](const HsCompileJob& j) { return j.shard == job.shard; });
    if (queued != queue_.end()) {
      *queued = std::move(job);  // the newer snapshot supersedes it
    } else {
      queue_.push_back(std::move(job));
    }
  }
  wake_.notify_one();
}

bool HsCompileWorker::take_done(std::vector<HsCompileDone>& out) {
  if (!has_done_.load(std::memory_order_acquire)) return false;
  std::lock_guard lock(mutex_);
  for (auto& d : done_) out.push_back(std::move(d));
  done_.clear();
  has_done_.store(false, std::memory_order_relaxed);
  return true;
}

void HsCompileWorker::wait_idle() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return queue_.empty() && !running_job_; });
}

bool HsCompileWorker::idle() const {
  std::lock_guard lock(mutex_);
  return queue_.empty() && !running_job_;
}

void HsCompileWorker::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    HsCompileJob job = std::move(queue_.front());
    queue_.pop_front();
    running_job_ = true;
    lock.unlock();
    HsCompileDone done{job.shard, job.generation, build_hs_database(job.specs, job.hit_jit)};
    lock.lock();
    done_.push_back(std::move(done));
    has_done_.store(true, std::memory_order_release);
    compiles_.fetch_add(1, std::memory_order_relaxed);
    running_job_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
}

}  // namespace ivy
