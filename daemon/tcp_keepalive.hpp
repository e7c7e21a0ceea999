#pragma once
// TcpKeepalive: how a link notices that its peer's host is gone (power cut,
// cable pulled, VM frozen): no FIN and no RST ever arrive, so without help
// the link stays open and its peer stays "connected" for hours.
//
// Two kernel timers cover the two states a link can be in:
//   idle (nothing unacknowledged) -> TCP keepalive: after `idle` without
//       traffic, `probes` probes `interval` apart; none answered: ETIMEDOUT.
//   data in flight (ivyd sent frames the peer never acknowledged) -> keepalive
//       does not run; without TCP_USER_TIMEOUT the kernel retransmits for
//       about 15 minutes (tcp_retries2). `user_timeout` closes it sooner.
// Both give up after the same time, detection_bound(). Linux also applies
// TCP_USER_TIMEOUT to a peer that keeps its receive window shut (alive but
// not reading) for that long: see docs/config.md, tcp_keepalive_seconds.
//
// Everything derives from one setting (limits.tcp_keepalive_seconds): the
// interval is a sixth of the idle time, at least 1 s, and there are 3
// probes, so a vanished peer is noticed within 1.5 x idle (idle + 3 s for
// idle < 6 s). Idle is capped at 32,767 s (Linux's TCP_KEEPIDLE limit).
// Production's 60 s gives 10 s probes and 90 s, as before;
// tests use 1 s and 4 s.

#include <chrono>

#include "daemon/asio.hpp"

namespace ivy::daemon {

struct TcpKeepalive {
  std::chrono::seconds idle{0};  // 0 = off: no keepalive, no user timeout
  std::chrono::seconds interval{0};
  int probes = 0;
  std::chrono::milliseconds user_timeout{0};

  // The settings for an idle time of `idle` (see above); 0 = off.
  static TcpKeepalive from_idle(std::chrono::seconds idle);

  bool enabled() const { return idle.count() > 0; }
  // How long a vanished peer can go unnoticed: idle + probes x interval.
  std::chrono::seconds detection_bound() const { return idle + probes * interval; }

  bool operator==(const TcpKeepalive&) const = default;
};

// Sets SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT and
// TCP_USER_TIMEOUT on an open socket (nothing when !enabled()). The first
// failing setsockopt's error is returned; the link works without them.
error_code apply_tcp_keepalive(tcp::socket& socket, const TcpKeepalive& keepalive);

}  // namespace ivy::daemon
