#pragma once
// Acceptor: the agent's TCP listener on an ephemeral port (§3.1). ivy-c sets
// SO_REUSEADDR and a backlog of 128; so do we. Each accepted socket goes to
// the handler; accept errors other than shutdown are logged and the loop
// goes on (EMFILE must not end discovery for good).

#include <cstdint>
#include <functional>

#include "core/result.hpp"
#include "daemon/asio.hpp"
#include "daemon/log.hpp"

namespace ivy::daemon {

class Acceptor {
 public:
  using Handler = std::function<void(tcp::socket)>;

  Acceptor(asio::io_context& io, Logger& log, Handler handler);

  // Binds any address (v4 or v6) on `port` (0 = ephemeral) and starts accepting.
  Status open(bool ipv6, std::uint16_t port = 0);
  void close();
  std::uint16_t port() const { return port_; }

 private:
  void do_accept();

  asio::io_context& io_;
  Logger& log_;
  Handler handler_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;
  std::uint16_t port_ = 0;
};

}  // namespace ivy::daemon
