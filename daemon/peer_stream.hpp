#pragma once
// PeerStream: the byte stream under a TcpPeer, either a plain TCP socket or a
// TLS session over one (an ivyd<->ivyd link with `tls`), so that the queue,
// framing, stall and drop logic of TcpPeer exists once for both.
//
// A TLS PeerStream is made after its handshake has succeeded
// (daemon/bridges/link/link_opening.hpp); from then on reading and writing
// are the same calls as on a socket. Over TLS the frames of one write are
// first gathered into one buffer: Asio's ssl::stream encrypts one buffer of
// a sequence per record, and 64 short frames would become 64 records and
// writes.
//
// Closing does not send a TLS close_notify: the link protocol ends with its
// own BYE frame, and a peer's missing close_notify reads as an end of stream
// (TcpPeer maps stream_truncated to EOF).
//
// Ownership: owns the socket (and the TLS session). Not movable while an
// operation is outstanding; TcpPeer keeps one read and at most one write
// outstanding. Thread: the io_context thread.

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "daemon/asio.hpp"

namespace ivy::daemon {

class PeerStream {
 public:
  using TlsStream = ssl::stream<tcp::socket>;

  explicit PeerStream(tcp::socket socket) : stream_(std::move(socket)) {}
  // `tls` has completed its handshake.
  explicit PeerStream(std::unique_ptr<TlsStream> tls) : stream_(std::move(tls)) {}

  // The TCP socket, for socket options and endpoints.
  tcp::socket& socket() { return tls() ? tls()->next_layer() : std::get<tcp::socket>(stream_); }
  // The TLS session; null on a plain stream.
  TlsStream* tls() {
    auto* session = std::get_if<std::unique_ptr<TlsStream>>(&stream_);
    return session ? session->get() : nullptr;
  }
  const TlsStream* tls() const {
    const auto* session = std::get_if<std::unique_ptr<TlsStream>>(&stream_);
    return session ? session->get() : nullptr;
  }

  template <class Handler>
  void async_read_some(asio::mutable_buffer buffer, Handler&& handler) {
    if (auto* session = tls()) session->async_read_some(buffer, std::forward<Handler>(handler));
    else socket().async_read_some(buffer, std::forward<Handler>(handler));
  }

  // Writes all of `buffers`; they (and the bytes they point to) must stay
  // valid until `handler` runs. One write at a time.
  template <class Handler>
  void async_write(const std::vector<asio::const_buffer>& buffers, Handler&& handler) {
    auto* session = tls();
    if (!session) {
      asio::async_write(socket(), buffers, std::forward<Handler>(handler));
    } else if (buffers.size() == 1) {
      asio::async_write(*session, buffers, std::forward<Handler>(handler));
    } else {
      gathered_.clear();
      for (const auto& b : buffers) gathered_.append(static_cast<const char*>(b.data()), b.size());
      asio::async_write(*session, asio::buffer(gathered_), std::forward<Handler>(handler));
    }
  }

  // Shuts the socket down and closes it; outstanding operations end with
  // operation_aborted.
  void close() {
    error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
  }

 private:
  std::variant<tcp::socket, std::unique_ptr<TlsStream>> stream_;
  std::string gathered_;  // a TLS write of several frames
};

}  // namespace ivy::daemon
