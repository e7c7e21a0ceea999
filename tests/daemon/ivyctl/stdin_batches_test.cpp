// StdinBatches (daemon/ivyctl/stdin_batches.hpp) on a pipe: every line, in
// order, in few batches when the writer floods it, one at a time when lines
// come one at a time, and none lost when the loop lags behind the bound.
#include "daemon/ivyctl/stdin_batches.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "tests/daemon/test_support.hpp"

namespace ivy::ctl {
namespace {

using namespace std::chrono_literals;
using daemon::test::run_until;

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

struct PipeInput {
  PipeInput() {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    read_end = fds[0];
    write_end = fds[1];
    batches = std::make_unique<StdinBatches>(
        io, read_end,
        [this](const std::vector<std::string>& batch) {
          ++batch_count;
          largest_batch = std::max(largest_batch, batch.size());
          lines.insert(lines.end(), batch.begin(), batch.end());
        },
        [this] { ++ends; });
    batches->start();
  }
  ~PipeInput() {
    batches.reset();
    close_writer();
    ::close(read_end);
  }
  void close_writer() {
    if (write_end >= 0) ::close(write_end);
    write_end = -1;
  }

  daemon::asio::io_context io;
  int read_end = -1;
  int write_end = -1;
  std::vector<std::string> lines;
  std::size_t batch_count = 0;
  std::size_t largest_batch = 0;
  int ends = 0;
  std::unique_ptr<StdinBatches> batches;
};

TEST(StdinBatches, FloodArrivesWholeInOrderInFewBatches) {
  PipeInput input;
  constexpr int kLines = 50'000;
  std::string text;
  for (int i = 0; i < kLines; ++i) text += "line " + std::to_string(i) + "\n";
  std::thread writer([&] {
    write_all(input.write_end, text);
    input.close_writer();
  });
  ASSERT_TRUE(run_until(
      input.io, [&] { return input.ends == 1; }, 20000ms))
      << input.lines.size();
  writer.join();
  ASSERT_EQ(input.lines.size(), static_cast<std::size_t>(kLines));
  for (int i = 0; i < kLines; ++i) ASSERT_EQ(input.lines[i], "line " + std::to_string(i));
  EXPECT_LT(input.batch_count, static_cast<std::size_t>(kLines) / 10) << "handed over line by line";
  EXPECT_LE(input.largest_batch, StdinBatches::kMaxBatch);
}

TEST(StdinBatches, LinesTypedOneByOneArriveOneByOne) {
  PipeInput input;
  for (int i = 0; i < 3; ++i) {
    write_all(input.write_end, "typed " + std::to_string(i) + "\n");
    ASSERT_TRUE(run_until(
        input.io, [&] { return input.lines.size() == static_cast<std::size_t>(i + 1); }, 3000ms));
    EXPECT_EQ(input.lines.back(), "typed " + std::to_string(i));
  }
  EXPECT_EQ(input.ends, 0);
  input.close_writer();
  ASSERT_TRUE(run_until(
      input.io, [&] { return input.ends == 1; }, 3000ms));
  EXPECT_EQ(input.lines.size(), 3u);
}

// More than the queue bound while the loop does not run: the reader must
// wait, not drop.
TEST(StdinBatches, LoopThatLagsBehindTheBoundLosesNothing) {
  PipeInput input;
  const std::string line(1000, 'x');
  constexpr int kLines = 12'000;  // 12 MB > kMaxQueuedBytes
  std::thread writer([&] {
    for (int i = 0; i < kLines; ++i) write_all(input.write_end, std::to_string(i) + line + "\n");
    input.close_writer();
  });
  std::this_thread::sleep_for(300ms);  // the reader fills the queue and waits
  ASSERT_TRUE(run_until(
      input.io, [&] { return input.ends == 1; }, 30000ms))
      << input.lines.size();
  writer.join();
  ASSERT_EQ(input.lines.size(), static_cast<std::size_t>(kLines));
  for (int i = 0; i < kLines; ++i) ASSERT_EQ(input.lines[i], std::to_string(i) + line);
}

TEST(StdinBatches, LastLineWithoutNewlineCountsAndCarriageReturnStays) {
  PipeInput input;
  write_all(input.write_end, "a\r\n\nb");
  input.close_writer();
  ASSERT_TRUE(run_until(
      input.io, [&] { return input.ends == 1; }, 3000ms));
  EXPECT_EQ(input.lines, (std::vector<std::string>{"a\r", "", "b"}));
}

TEST(StdinBatches, EmptyInputOnlyEnds) {
  PipeInput input;
  input.close_writer();
  ASSERT_TRUE(run_until(
      input.io, [&] { return input.ends == 1; }, 3000ms));
  EXPECT_TRUE(input.lines.empty());
  daemon::test::run_for(input.io, 50ms);
  EXPECT_EQ(input.ends, 1);
}

}  // namespace
}  // namespace ivy::ctl
