#include "daemon/ivyctl/daemon_socket.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ivy::ctl {
namespace {

// StatusServer::kMaxRequestBytes; ivyctl does not link the server.
constexpr std::size_t kMaxRequestBytes = 64 * 1024;

// Closes the descriptor on every way out.
struct Fd {
  explicit Fd(int value) : fd(value) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int fd;
};

Status send_all(int fd, const std::string& bytes, const std::string& path) {
  for (std::size_t sent = 0; sent < bytes.size();) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("writing to " + path + ": " + std::strerror(errno));
    sent += static_cast<std::size_t>(n);
  }
  return {};
}

}  // namespace

Result<std::string> ask_daemon(const std::string& socket_path, std::string_view request) {
  if (request.find('\n') != std::string_view::npos) return fail("a request to the daemon is one line");
  if (request.size() > kMaxRequestBytes) {
    return fail("request longer than " + std::to_string(kMaxRequestBytes) + " bytes");
  }
  sockaddr_un addr{};
  if (socket_path.size() >= sizeof addr.sun_path) return fail("socket path too long: " + socket_path);
  Fd socket(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (socket.fd < 0) return fail(std::string("socket: ") + std::strerror(errno));
  timeval timeout{5, 0};
  ::setsockopt(socket.fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(socket.fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  if (::connect(socket.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    std::string hint = err == ENOENT || err == ECONNREFUSED ? " (is ivyd running? see status.path in its config)"
                       : err == EACCES                       ? " (are you in the ivyd group?)"
                                                             : "";
    return fail("cannot connect to " + socket_path + ": " + std::strerror(err) + hint);
  }
  if (auto sent = send_all(socket.fd, std::string(request) + "\n", socket_path); !sent) return fail(sent.error().message);
  std::string reply;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::recv(socket.fd, buf, sizeof buf, 0);
    if (n > 0) {
      reply.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("reading from " + socket_path + ": " + std::strerror(errno));
    break;
  }
  return reply;
}

}  // namespace ivy::ctl
