#include "daemon/agent/discovery.hpp"

#include "core/peer_session.hpp"  // line_snippet

namespace ivy::daemon {

Discovery::Discovery(asio::io_context& io, BusSpec spec, Logger& log, Handler handler)
    : io_(io), spec_(std::move(spec)), log_(log), handler_(std::move(handler)), socket_(io) {}

Status Discovery::open_socket() {
  error_code ec;
  const auto protocol = spec_.ipv6 ? udp::v6() : udp::v4();
  socket_.open(protocol, ec);
  if (!ec) socket_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) socket_.set_option(reuse_port(true), ec);
  if (!ec && !spec_.ipv6) socket_.set_option(asio::socket_base::broadcast(true), ec);
  if (!ec) {
    const auto any = spec_.ipv6 ? asio::ip::address(asio::ip::address_v6::any())
                                : asio::ip::address(asio::ip::address_v4::any());
    socket_.bind(udp::endpoint(any, spec_.port), ec);
  }
  if (ec) {
    error_code ignored;
    socket_.close(ignored);
    return fail("cannot open the UDP discovery socket on port " + std::to_string(spec_.port) + ": " +
                ec.message());
  }
  return {};
}

void Discovery::join_groups() {
  for (const auto& net : spec_.networks) {
    if (net.kind != NetworkKind::kMulticast && net.kind != NetworkKind::kIpv6Multicast) continue;
    error_code ec;
    const auto group = asio::ip::make_address(net.address, ec);
    if (!ec) socket_.set_option(asio::ip::multicast::join_group(group), ec);
    if (!ec && net.kind == NetworkKind::kMulticast) {
      socket_.set_option(asio::ip::multicast::hops(spec_.multicast_ttl), ec);
    }
    if (ec) log_.warning("cannot join multicast group " + net.address + ": " + ec.message());
  }
}

Status Discovery::open() {
  if (auto st = open_socket(); !st) return st;
  join_groups();
  do_receive();
  return {};
}

std::size_t Discovery::announce(const std::string& datagram) {
  std::size_t sent = 0;
  for (const auto& net : spec_.networks) {
    error_code ec;
    const auto address = asio::ip::make_address(net.address, ec);
    if (!ec) socket_.send_to(asio::buffer(datagram), udp::endpoint(address, spec_.port), 0, ec);
    if (ec) {
      log_.warning("cannot announce on " + net.address + ":" + std::to_string(spec_.port) + ": " + ec.message());
      continue;
    }
    log_.info("broadcasting on network " + net.address + ", port " + std::to_string(spec_.port) + " (" +
              std::string(network_kind_name(net.kind)) + ")");
    ++sent;
  }
  return sent;
}

void Discovery::close() {
  error_code ignored;
  socket_.close(ignored);
}

void Discovery::do_receive() {
  socket_.async_receive_from(asio::buffer(buffer_), sender_, [this](const error_code& ec, std::size_t n) {
    if (ec == asio::error::operation_aborted || !socket_.is_open()) return;
    if (!ec) {
      ++datagrams_received_;
      const std::string_view data(buffer_.data(), n);
      for (auto& parsed : parse_datagram(data)) {
        if (!parsed) {
          ++bad_datagrams_;
          log_.debug("ignored datagram from " + sender_.address().to_string() + ":" +
                     std::to_string(sender_.port()) + ": " + parsed.error().message + ": '" +
                     line_snippet(data) + "'");
          continue;
        }
        handler_(*parsed, sender_.address());
      }
    } else {
      log_.warning("UDP receive error: " + ec.message());
    }
    do_receive();
  });
}

}  // namespace ivy::daemon
