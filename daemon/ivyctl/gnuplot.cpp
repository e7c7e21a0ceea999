#include "daemon/ivyctl/gnuplot.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

extern char** environ;

namespace ivy::ctl {
namespace {

constexpr std::size_t kMessageBytes = 2000;

// A private directory under $TMPDIR (or /tmp), removed with its files. Its
// path goes into the gnuplot script: a TMPDIR with a quote or a control byte
// in it is not used.
class ScratchDir {
 public:
  ScratchDir() {
    const char* env = std::getenv("TMPDIR");
    std::string tmp = env && *env ? env : "/tmp";
    if (std::any_of(tmp.begin(), tmp.end(),
                    [](char c) { return c == '\'' || static_cast<unsigned char>(c) < 0x20; })) {
      tmp = "/tmp";
    }
    std::string pattern = tmp + "/ivyctl-plot-XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) != nullptr) path_ = buf.data();
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  bool ok() const { return !path_.empty(); }
  std::string file(const char* name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The last kMessageBytes of gnuplot's messages, trimmed.
std::string tail_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  if (text.size() > kMessageBytes) text = "..." + text.substr(text.size() - kMessageBytes);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

Result<int> spawn_and_wait(const std::string& gnuplot, const std::string& script,
                           const std::string& errors) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, errors.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> argv{const_cast<char*>(gnuplot.c_str()), const_cast<char*>(script.c_str()),
                          nullptr};
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, gnuplot.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc == ENOENT || rc == EACCES) {
    return fail("cannot run " + gnuplot + ": " + std::strerror(rc) +
                " (install the gnuplot-nox package, or give its path with --gnuplot)");
  }
  if (rc != 0) return fail("cannot run " + gnuplot + ": " + std::strerror(rc));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return fail(std::string("waiting for gnuplot: ") + std::strerror(errno));
  }
  return status;
}

// Moves the picture into place (a copy when it is on another file system).
Status move_to(const std::string& picture, const std::string& output) {
  std::error_code ec;
  std::filesystem::rename(picture, output, ec);
  if (ec == std::errc::cross_device_link) {
    ec.clear();
    std::filesystem::copy_file(picture, output, std::filesystem::copy_options::overwrite_existing,
                               ec);
  }
  if (ec) return fail("cannot write " + output + ": " + ec.message());
  return {};
}

}  // namespace

Status run_gnuplot(const std::string& gnuplot, const GnuplotScriptFor& script,
                   const std::string& output) {
  ScratchDir dir;
  if (!dir.ok())
    return fail(std::string("cannot make a temporary directory: ") + std::strerror(errno));
  const std::string picture = dir.file("picture");
  {
    std::ofstream out(dir.file("plot.gp"), std::ios::binary);
    out << script(picture);
    if (!out.flush()) return fail("cannot write the gnuplot script in " + dir.file("plot.gp"));
  }
  auto status = spawn_and_wait(gnuplot, dir.file("plot.gp"), dir.file("errors"));
  if (!status) return Unexpected<Error>{status.error()};
  const std::string messages = tail_of(dir.file("errors"));
  if (WIFSIGNALED(*status))
    return fail(gnuplot + " was killed by signal " + std::to_string(WTERMSIG(*status)));
  if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    return fail(gnuplot + " failed (exit status " + std::to_string(WEXITSTATUS(*status)) + ")" +
                (messages.empty() ? std::string() : ":\n" + messages));
  }
  struct stat st {};
  if (::stat(picture.c_str(), &st) != 0 || st.st_size == 0) {
    return fail(gnuplot + " drew no picture" +
                (messages.empty() ? std::string() : ":\n" + messages));
  }
  return move_to(picture, output);
}

}  // namespace ivy::ctl
