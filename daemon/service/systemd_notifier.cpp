#include "daemon/service/systemd_notifier.hpp"

#include <cstdlib>

#include <systemd/sd-daemon.h>

namespace ivy::daemon {

SystemdNotifier::SystemdNotifier(asio::io_context& io)
    : timer_(io), enabled_(std::getenv("NOTIFY_SOCKET") != nullptr) {}

void SystemdNotifier::ready(const std::string& status) {
  if (enabled_) sd_notify(0, ("READY=1\nSTATUS=" + status).c_str());
}

void SystemdNotifier::status(const std::string& status) {
  if (enabled_) sd_notify(0, ("STATUS=" + status).c_str());
}

void SystemdNotifier::reloading() {
  if (enabled_) sd_notify(0, "RELOADING=1");
}

void SystemdNotifier::stopping() {
  if (enabled_) sd_notify(0, "STOPPING=1");
}

void SystemdNotifier::start_watchdog() {
  std::uint64_t usec = 0;
  if (!enabled_ || sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return;
  watchdog_interval_ = std::chrono::microseconds(usec / 2);
  schedule_ping();
}

void SystemdNotifier::stop_watchdog() { timer_.cancel(); }

void SystemdNotifier::schedule_ping() {
  sd_notify(0, "WATCHDOG=1");
  timer_.expires_after(watchdog_interval_);
  timer_.async_wait([this](const error_code& ec) {
    if (!ec) schedule_ping();
  });
}

}  // namespace ivy::daemon
