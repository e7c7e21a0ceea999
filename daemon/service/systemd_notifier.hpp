#pragma once
// SystemdNotifier: the Type=notify protocol (sd_notify) and the watchdog.
//
// Outside systemd (no NOTIFY_SOCKET) every call is a cheap no-op. When the
// unit sets WatchdogSec=, start_watchdog() pings at half the interval from
// the event loop: if the loop stalls, pings stop and systemd restarts us.

#include <chrono>
#include <string>

#include "daemon/asio.hpp"

namespace ivy::daemon {

class SystemdNotifier {
 public:
  explicit SystemdNotifier(asio::io_context& io);

  void ready(const std::string& status);
  void status(const std::string& status);
  void reloading();
  void stopping();
  // Starts the watchdog pings if systemd asked for them.
  void start_watchdog();
  void stop_watchdog();
  bool under_systemd() const { return enabled_; }

 private:
  void schedule_ping();

  asio::steady_timer timer_;
  std::chrono::microseconds watchdog_interval_{0};
  bool enabled_;
};

}  // namespace ivy::daemon
