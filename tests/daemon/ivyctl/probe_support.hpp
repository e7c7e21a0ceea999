#pragma once
// A child process whose standard input is a pipe the test keeps open, for
// driving `ivyctl probe` line by line: the probe reads stdin on a blocking
// thread and leaves the bus on end of input, so the test decides when that
// happens (close_stdin()). stdout and stderr go to files, read with
// read_text_file(). Header-only, like process_support.hpp.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

extern char** environ;

namespace ivy::test {

class PipedChild {
 public:
  PipedChild(const std::vector<std::string>& argv, const std::string& stdout_path, const std::string& stderr_path) {
    int fds[2];
    // O_CLOEXEC: no other child (another probe) may inherit our write end,
    // or closing it here would never give this child its end of input.
    if (::pipe2(fds, O_CLOEXEC) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[0], 0);  // dup2 clears O_CLOEXEC on fd 0
    posix_spawn_file_actions_addopen(&actions, 1, stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    if (posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[0]);
    stdin_ = fds[1];
  }
  ~PipedChild() {
    close_stdin();
    if (running()) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  PipedChild(const PipedChild&) = delete;
  PipedChild& operator=(const PipedChild&) = delete;

  bool started() const { return pid_ > 0; }
  bool running() const { return pid_ > 0 && !status_; }
  void signal(int signo) const {
    if (running()) ::kill(pid_, signo);
  }

  // Writes `line` and a LF in one write; false if the child is gone.
  bool write_line(std::string_view line) {
    if (stdin_ < 0) return false;
    const std::string bytes = std::string(line) + "\n";
    // MSG_NOSIGNAL does not apply to pipes: a dead reader would raise SIGPIPE.
    struct sigaction ignore{};
    struct sigaction old{};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &old);
    const ssize_t n = ::write(stdin_, bytes.data(), bytes.size());
    ::sigaction(SIGPIPE, &old, nullptr);
    return n == static_cast<ssize_t>(bytes.size());
  }

  // End of input for the child.
  void close_stdin() {
    if (stdin_ >= 0) ::close(stdin_);
    stdin_ = -1;
  }

  // The exit code (or 128 + signal), or nullopt if still running after `timeout`.
  std::optional<int> wait_for(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!status_ && pid_ > 0) {
      int raw = 0;
      if (::waitpid(pid_, &raw, WNOHANG) == pid_) {
        status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
        break;
      }
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return status_;
  }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  std::optional<int> status_;
};

}  // namespace ivy::test
