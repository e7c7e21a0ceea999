// ProbeOutput (daemon/ivyctl/probe_output.hpp): nothing is written before
// flush() unless a large amount waits; flush() writes everything in order.
#include "daemon/ivyctl/probe_output.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

namespace ivy::ctl {
namespace {

struct Pipe {
  Pipe() {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
    ::fcntl(fds[1], F_SETFL, 0);  // the writer blocks, as stdout does
    ::fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
    read_end = fds[0];
    write_end = fds[1];
  }
  ~Pipe() {
    ::close(read_end);
    ::close(write_end);
  }
  std::string available() {
    std::string out;
    char buffer[65536];
    for (ssize_t n; (n = ::read(read_end, buffer, sizeof buffer)) > 0;)
      out.append(buffer, static_cast<std::size_t>(n));
    return out;
  }
  int read_end = -1;
  int write_end = -1;
};

TEST(ProbeOutput, WritesOnlyWhenFlushed) {
  Pipe pipe;
  ProbeOutput out(pipe.write_end);
  out.line("IVYPROBE connected from 127.0.0.1");
  out.text("[12:00:00.000] ");
  out.line("-> Sent to 1 peer");
  EXPECT_EQ(pipe.available(), "");
  out.flush();
  EXPECT_EQ(pipe.available(),
            "IVYPROBE connected from 127.0.0.1\n[12:00:00.000] -> Sent to 1 peer\n");
  out.flush();
  EXPECT_EQ(pipe.available(), "");
}

TEST(ProbeOutput, ALargeBacklogIsWrittenWithoutWaitingForTheFlush) {
  Pipe pipe;
  ProbeOutput out(pipe.write_end);
  const std::string line(100, 'm');
  for (std::size_t i = 0; i * 101 < ProbeOutput::kFlushBytes; ++i) out.line(line);
  EXPECT_GE(pipe.available().size(), ProbeOutput::kFlushBytes);
}

TEST(ProbeOutput, DestructionFlushes) {
  Pipe pipe;
  {
    ProbeOutput out(pipe.write_end);
    out.line("last words");
  }
  EXPECT_EQ(pipe.available(), "last words\n");
}

}  // namespace
}  // namespace ivy::ctl
