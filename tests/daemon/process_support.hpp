#pragma once
// Test support for end-to-end tests that start the real executables
// (build/bin/ivyd, build/bin/ivyctl): child processes with a deadline,
// temporary directories, file reading. Header-only.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

extern char** environ;

namespace ivy::test {

inline std::string bin_path(const std::string& name) { return std::string(IVYD_TEST_BIN_DIR) + "/" + name; }

inline std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_text_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// A fresh directory under /tmp, removed with everything in it.
struct TempDir {
  TempDir() {
    char pattern[] = "/tmp/ivyd-test-XXXXXX";
    path = ::mkdtemp(pattern);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return path + "/" + name; }
  std::string path;
};

// Gives the ivyctl children of a test a cache directory of their own:
// $XDG_CACHE_HOME, where ivyctl keeps compiled Hyperscan databases, is set
// for the test process (children inherit it), so no test writes into the
// user's ~/.cache. Unset and removed at the end.
struct PrivateCacheHome {
  PrivateCacheHome() { ::setenv("XDG_CACHE_HOME", dir.path.c_str(), 1); }
  ~PrivateCacheHome() { ::unsetenv("XDG_CACHE_HOME"); }
  PrivateCacheHome(const PrivateCacheHome&) = delete;
  PrivateCacheHome& operator=(const PrivateCacheHome&) = delete;
  std::string ivyctl_cache() const { return dir.path + "/ivyd"; }
  TempDir dir;
};

// Tag: give the child a pipe as standard input, written with write_line().
struct PipeStdin {};

// A child process; killed (SIGKILL) if still running when destroyed.
// stdout and stderr go to files. stdin is a file (default /dev/null) or, with
// PipeStdin, a pipe the test keeps open: `ivyctl probe` reads stdin on a
// blocking thread and leaves the bus on end of input, so the test decides
// when that happens (close_stdin()).
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::string& stdout_path,
               const std::string& stderr_path, const std::string& stdin_path = "/dev/null") {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, stdin_path.c_str(), O_RDONLY, 0);
    spawn(argv, stdout_path, stderr_path, actions);
  }
  ChildProcess(const std::vector<std::string>& argv, const std::string& stdout_path,
               const std::string& stderr_path, PipeStdin) {
    int fds[2];
    // O_CLOEXEC: no other child may inherit our write end, or closing it here
    // would never give this child its end of input.
    if (::pipe2(fds, O_CLOEXEC) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[0], 0);  // dup2 clears O_CLOEXEC on fd 0
    spawn(argv, stdout_path, stderr_path, actions);
    ::close(fds[0]);
    stdin_ = fds[1];
  }
  ~ChildProcess() {
    close_stdin();
    if (running()) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  bool running() const { return pid_ > 0 && !status_; }
  pid_t pid() const { return pid_; }
  void signal(int signo) const {
    if (running()) ::kill(pid_, signo);
  }

  // PipeStdin only: writes `line` and a LF in one write; false if the child is gone.
  bool write_line(std::string_view line) { return write_text(std::string(line) + "\n"); }

  // PipeStdin only: writes all of `text` (as many writes as the pipe needs,
  // blocking while it is full); false if the child is gone.
  bool write_text(std::string_view text) {
    if (stdin_ < 0) return false;
    // MSG_NOSIGNAL does not apply to pipes: a dead reader would raise SIGPIPE.
    struct sigaction ignore{};
    struct sigaction old{};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &old);
    while (!text.empty()) {
      const ssize_t n = ::write(stdin_, text.data(), text.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      text.remove_prefix(static_cast<std::size_t>(n));
    }
    ::sigaction(SIGPIPE, &old, nullptr);
    return text.empty();
  }

  // PipeStdin only: end of input for the child.
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
  // Adds the stdout/stderr redirections to `actions`, spawns, frees `actions`.
  void spawn(const std::vector<std::string>& argv, const std::string& stdout_path, const std::string& stderr_path,
             posix_spawn_file_actions_t& actions) {
    posix_spawn_file_actions_addopen(&actions, 1, stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    if (posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }

  pid_t pid_ = -1;
  int stdin_ = -1;
  std::optional<int> status_;
};

// Runs a command to completion (bounded); returns its exit code, stdout in `out`.
inline int run_command(const std::vector<std::string>& argv, std::string* out = nullptr, std::string* err = nullptr,
                       std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  TempDir dir;
  ChildProcess child(argv, dir.file("out"), dir.file("err"));
  const auto code = child.wait_for(timeout);
  if (out) *out = read_text_file(dir.file("out"));
  if (err) *err = read_text_file(dir.file("err"));
  return code.value_or(-1);
}

// Polls `done` every 20 ms until true or `timeout`.
template <class F>
bool eventually(F done, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

}  // namespace ivy::test
