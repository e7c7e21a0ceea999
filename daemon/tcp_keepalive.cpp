#include "daemon/tcp_keepalive.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <climits>

namespace ivy::daemon {
namespace {

constexpr int kProbes = 3;
// Linux refuses TCP_KEEPIDLE above this (EINVAL); the config allows up to a day.
constexpr std::chrono::seconds kMaxIdle{32767};

error_code set_int(int fd, int level, int name, long long value) {
  const int v = static_cast<int>(std::min<long long>(value, INT_MAX));
  if (::setsockopt(fd, level, name, &v, sizeof v) != 0) {
    return error_code(errno, boost::system::system_category());
  }
  return {};
}

}  // namespace

TcpKeepalive TcpKeepalive::from_idle(std::chrono::seconds idle) {
  TcpKeepalive k;
  if (idle.count() <= 0) return k;
  k.idle = std::min(idle, kMaxIdle);
  k.interval = std::max(std::chrono::seconds(1), k.idle / 6);
  k.probes = kProbes;
  k.user_timeout = k.detection_bound();
  return k;
}

error_code apply_tcp_keepalive(tcp::socket& socket, const TcpKeepalive& keepalive) {
  if (!keepalive.enabled()) return {};
  error_code ec;
  socket.set_option(asio::socket_base::keep_alive(true), ec);
  if (ec) return ec;
  const std::pair<int, long long> options[] = {
      {TCP_KEEPIDLE, keepalive.idle.count()},
      {TCP_KEEPINTVL, keepalive.interval.count()},
      {TCP_KEEPCNT, keepalive.probes},
      {TCP_USER_TIMEOUT, keepalive.user_timeout.count()},
  };
  error_code first;  // each option on its own: one refused must not leave the others unset
  for (const auto& [name, value] : options) {
    if (value <= 0) continue;  // left at the system default
    if (auto e = set_int(socket.native_handle(), IPPROTO_TCP, name, value); e && !first) first = e;
  }
  return first;
}

}  // namespace ivy::daemon
