#pragma once
// Shared by the in-process bus benchmarks (agent_bench, bridge_bench,
// mqtt_bench, probe_bench): a free loopback bus port and a logger that keeps
// quiet. Each benchmark takes ports from its own range, so that two of them
// run side by side do not meet on one bus.

#include <unistd.h>

#include <cstdint>
#include <sstream>

#include "daemon/asio.hpp"
#include "daemon/log.hpp"

namespace ivy::daemon::bench {

// A UDP port in [first, first + span) that nobody holds (a plain exclusive
// bind probe); successive calls walk the range from a point that depends on
// the process, and return the last port of the range if all are taken.
inline std::uint16_t free_bus_port(std::uint16_t first, unsigned span) {
  static unsigned next = 0;
  for (unsigned i = 0; i < span; ++i) {
    const auto port = static_cast<std::uint16_t>(first + (static_cast<unsigned>(::getpid()) * 7u + next++) % span);
    asio::io_context io;
    udp::socket probe(io);
    error_code ec;
    probe.open(udp::v4(), ec);
    if (!ec) probe.bind(udp::endpoint(asio::ip::address_v4::any(), port), ec);
    if (!ec) return port;
  }
  return static_cast<std::uint16_t>(first + span - 1);
}

// Errors only, to a string nobody reads: the benchmark's output stays its table.
inline Logger& quiet_log() {
  static std::ostringstream sink;
  static Logger log(LogLevel::kError, Logger::Style::kPlain, &sink);
  return log;
}

}  // namespace ivy::daemon::bench
