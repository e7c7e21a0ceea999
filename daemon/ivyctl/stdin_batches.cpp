#include "daemon/ivyctl/stdin_batches.hpp"

#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace ivy::ctl {

struct StdinBatches::Shared {
  std::mutex mutex;
  std::condition_variable space;
  std::deque<std::string> lines;
  std::size_t queued_bytes = 0;
  bool eof = false;
  bool end_delivered = false;
  bool posted = false;  // a drain() is on its way to the loop
  bool closed = false;  // the owner is gone: post nothing more
  std::function<void()> post_drain;

  // Reader side: queues `got` (waiting for room first) and wakes the loop
  // unless a drain is already on its way. False once the owner is gone.
  bool deliver(std::vector<std::string>& got, bool at_eof) {
    std::unique_lock lock(mutex);
    space.wait(lock, [&] { return closed || queued_bytes < kMaxQueuedBytes; });
    if (closed) return false;
    for (auto& line : got) {
      queued_bytes += line.size() + 1;
      lines.push_back(std::move(line));
    }
    eof = at_eof;
    if (!posted) {
      posted = true;
      post_drain();
    }
    return true;
  }
};

StdinBatches::StdinBatches(daemon::asio::io_context& io, int fd, OnLines on_lines,
                           std::function<void()> on_end)
    : io_(io),
      fd_(fd),
      on_lines_(std::move(on_lines)),
      on_end_(std::move(on_end)),
      shared_(std::make_shared<Shared>()) {
  shared_->post_drain = [this, life = std::weak_ptr<int>(life_)] {
    daemon::asio::post(io_, [this, life] {
      if (!life.expired()) drain();
    });
  };
}

StdinBatches::~StdinBatches() {
  {
    std::lock_guard lock(shared_->mutex);
    shared_->closed = true;
    shared_->post_drain = nullptr;
  }
  shared_->space.notify_all();
}

void StdinBatches::start() {
  std::thread([fd = fd_, shared = shared_] { read_lines(fd, shared); }).detach();
}

void StdinBatches::drain() {
  std::vector<std::string> batch;
  bool end = false;
  bool more = false;
  {
    std::lock_guard lock(shared_->mutex);
    while (!shared_->lines.empty() && batch.size() < kMaxBatch) {
      shared_->queued_bytes -= shared_->lines.front().size() + 1;
      batch.push_back(std::move(shared_->lines.front()));
      shared_->lines.pop_front();
    }
    more = !shared_->lines.empty();
    if (!more) {
      shared_->posted = false;  // the reader posts the next drain
      end = shared_->eof && !shared_->end_delivered;
      shared_->end_delivered = shared_->end_delivered || end;
    }
  }
  shared_->space.notify_one();
  auto life = std::weak_ptr<int>(life_);
  if (!batch.empty()) on_lines_(batch);
  if (life.expired()) return;  // the callback ended the probe
  if (more) {
    daemon::asio::post(io_, [this, life] {
      if (!life.expired()) drain();
    });
  }
  if (end) on_end_();
}

// The reader thread: whole chunks in, lines out.
void StdinBatches::read_lines(int fd, const std::shared_ptr<Shared>& shared) {
  std::vector<char> chunk(64 * 1024);
  std::string partial;  // a line cut by the end of a chunk
  std::vector<std::string> got;
  for (;;) {
    const ssize_t n = ::read(fd, chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {  // end of input (or an error: nothing more will come)
      if (!partial.empty()) got.push_back(std::move(partial));
      shared->deliver(got, true);
      return;
    }
    std::size_t start = 0;
    const std::string_view bytes(chunk.data(), static_cast<std::size_t>(n));
    for (std::size_t lf = bytes.find('\n'); lf != std::string_view::npos;
         lf = bytes.find('\n', start)) {
      partial.append(bytes.substr(start, lf - start));
      got.push_back(std::move(partial));
      partial.clear();
      start = lf + 1;
    }
    partial.append(bytes.substr(start));
    if (!got.empty() && !shared->deliver(got, false)) return;
    got.clear();
  }
}

}  // namespace ivy::ctl
