#pragma once
// LinkOpening: what happens to a new TCP connection of a link bridge before
// the link protocol starts: it turns the socket into the PeerStream a
// LinkConnection runs on, or refuses it with a reason.
//
//   dialer, plain      nothing: the stream is the socket
//   dialer, tls        TLS client handshake, the listener's certificate
//                      checked (TlsVerifier)
//   listener           first the first byte is looked at (not consumed):
//     with tls         a TLS handshake record (0x16) starts the server
//                      handshake, the dialer's certificate checked; anything
//                      else is a plaintext dialer: it is sent a plaintext
//                      "BYE this link requires TLS" and refused ("not TLS")
//     without tls      a TLS handshake record is a TLS dialer: refused at
//                      once (with a plaintext BYE, which that dialer reads as
//                      "not TLS") instead of waiting for a hello that never
//                      comes; anything else is the hello
//
// The whole opening is bounded by `timeout`: a peer that opens TCP and never
// finishes (or never starts) its handshake is closed then, and since every
// step is asynchronous it never holds up other connections.
//
// Ownership: held by std::shared_ptr (its handlers keep it alive). `done` is
// called exactly once, on the io_context thread, unless cancel() came first.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "daemon/asio.hpp"
#include "daemon/bridges/link/tls_certificate.hpp"
#include "daemon/bridges/link/tls_context.hpp"
#include "daemon/peer_stream.hpp"

namespace ivy::daemon {

class TlsVerifier;

class LinkOpening : public std::enable_shared_from_this<LinkOpening> {
 public:
  enum class Side { kDialer, kListener };

  struct Opened {
    PeerStream stream;
    std::optional<TlsSessionInfo> tls;  // absent on a plaintext link
  };
  // The stream, or why the connection was refused (for the log).
  using Done = std::function<void(Result<Opened>)>;

  // `tls` null: a plaintext link.
  LinkOpening(tcp::socket socket, Side side, std::shared_ptr<TlsContext> tls, std::chrono::milliseconds timeout);

  void start(Done done);
  // Closes the connection; `done` is not called.
  void cancel();

  // "127.0.0.1:7010" (the far side), for logs.
  const std::string& remote() const { return remote_; }

 private:
  void sniff();
  void on_first_byte(unsigned char byte);
  void refuse_in_plaintext(const std::string& bye, const std::string& why);
  void handshake();
  void succeed(PeerStream stream, std::optional<TlsSessionInfo> tls);
  void finish(Result<Opened> outcome);
  void close_socket();

  tcp::socket socket_;
  std::unique_ptr<PeerStream::TlsStream> tls_stream_;
  Side side_;
  std::shared_ptr<TlsContext> tls_;
  std::shared_ptr<TlsVerifier> verifier_;
  std::chrono::milliseconds timeout_;
  asio::steady_timer deadline_;
  std::string remote_;
  unsigned char first_byte_ = 0;
  std::string bye_;
  Done done_;
  bool finished_ = false;
};

}  // namespace ivy::daemon
