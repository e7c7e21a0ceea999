#pragma once
// Discovery: the UDP side of an Ivy agent (§2).
//
// One UDP socket bound to the bus port on every address, with SO_REUSEADDR,
// SO_REUSEPORT and SO_BROADCAST like ivy-c, so any number of agents share the
// port on one host; joined to the group of each multicast network (TTL from
// the spec). announce() sends our datagram once to every network of the
// spec: Ivy never re-announces (every C agent would open another link).
// Every announcement heard is parsed and handed to the Handler with the
// datagram's source address; bad datagrams are counted and logged, never
// fatal. Our own announcement comes back to us: the Agent drops it by app-id.

#include <cstdint>
#include <functional>
#include <string>

#include "core/announcement.hpp"
#include "core/bus_spec.hpp"
#include "core/result.hpp"
#include "daemon/asio.hpp"
#include "daemon/log.hpp"

namespace ivy::daemon {

class Discovery {
 public:
  using Handler = std::function<void(const Announcement&, const asio::ip::address& from)>;

  Discovery(asio::io_context& io, BusSpec spec, Logger& log, Handler handler);

  // Opens, configures and binds the socket and starts receiving.
  Status open();
  // Sends one announcement datagram to every network of the spec. Returns
  // how many networks it was sent to; failures are logged.
  std::size_t announce(const std::string& datagram);
  void close();

  std::uint64_t datagrams_received() const { return datagrams_received_; }
  std::uint64_t bad_datagrams() const { return bad_datagrams_; }

 private:
  Status open_socket();
  void join_groups();
  void do_receive();

  asio::io_context& io_;
  BusSpec spec_;
  Logger& log_;
  Handler handler_;
  udp::socket socket_;
  udp::endpoint sender_;
  std::array<char, 65536> buffer_{};
  std::uint64_t datagrams_received_ = 0;
  std::uint64_t bad_datagrams_ = 0;
};

}  // namespace ivy::daemon
