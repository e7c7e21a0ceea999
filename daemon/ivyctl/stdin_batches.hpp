#pragma once
// StdinBatches: `ivyctl probe`'s standard input (a terminal, a pipe or a
// file) read on a thread of its own in 64 KiB chunks, cut into lines, and
// handed to the event loop in batches: one posted handler takes every line
// waiting (up to kMaxBatch at a time, then it posts itself again so the
// sockets get their turn). A piped flood of thousands of lines costs a few
// wake-ups of the loop instead of one per line; a line typed at a terminal
// arrives alone, at once.
//
// No line is ever lost: the queue between the thread and the loop is
// bounded, and when it is full the thread stops reading (the writer of the
// pipe then blocks) until the loop has taken lines. Lines are cut at LF and
// passed without it, as std::getline does (a CR stays); a last line without
// LF is a line. After the last line, `on_end` runs once, on the loop.
//
// Thread: construct, start() and destroy on the loop's thread; the
// callbacks run there. The reader thread blocks in read(2) and cannot be
// interrupted, so it is detached: after the destructor it posts nothing and
// touches nothing but the state it shares.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/asio.hpp"

namespace ivy::ctl {

class StdinBatches {
 public:
  static constexpr std::size_t kMaxBatch = 1024;           // lines per handler run
  static constexpr std::size_t kMaxQueuedBytes = 8 << 20;  // then the reader waits

  using OnLines = std::function<void(const std::vector<std::string>& lines)>;

  StdinBatches(daemon::asio::io_context& io, int fd, OnLines on_lines,
               std::function<void()> on_end);
  ~StdinBatches();
  StdinBatches(const StdinBatches&) = delete;
  StdinBatches& operator=(const StdinBatches&) = delete;

  // Starts the reader thread.
  void start();

 private:
  struct Shared;
  static void read_lines(int fd, const std::shared_ptr<Shared>& shared);
  void drain();

  daemon::asio::io_context& io_;
  int fd_;
  OnLines on_lines_;
  std::function<void()> on_end_;
  std::shared_ptr<Shared> shared_;
  std::shared_ptr<int> life_ = std::make_shared<int>(0);  // posted handlers check it
};

}  // namespace ivy::ctl
