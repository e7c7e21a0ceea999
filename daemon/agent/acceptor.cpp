#include "daemon/agent/acceptor.hpp"

namespace ivy::daemon {

Acceptor::Acceptor(asio::io_context& io, Logger& log, Handler handler)
    : io_(io), log_(log), handler_(std::move(handler)), acceptor_(io), retry_timer_(io) {}

Status Acceptor::open(bool ipv6, std::uint16_t port) {
  error_code ec;
  const tcp::endpoint endpoint(ipv6 ? tcp::v6() : tcp::v4(), port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(128, ec);
  if (ec) {
    error_code ignored;
    acceptor_.close(ignored);
    return fail("cannot listen on TCP port " + std::to_string(port) + ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint(ec).port();
  do_accept();
  return {};
}

void Acceptor::close() {
  error_code ignored;
  acceptor_.close(ignored);
  retry_timer_.cancel();
}

void Acceptor::do_accept() {
  acceptor_.async_accept([this](const error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // Out of descriptors or memory: back off a little instead of spinning.
      log_.warning("accept failed: " + ec.message());
      retry_timer_.expires_after(std::chrono::milliseconds(100));
      retry_timer_.async_wait([this](const error_code& wait_ec) {
        if (!wait_ec && acceptor_.is_open()) do_accept();
      });
      return;
    }
    handler_(std::move(socket));
    do_accept();
  });
}

}  // namespace ivy::daemon
