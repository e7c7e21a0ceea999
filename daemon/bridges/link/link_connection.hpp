#pragma once
// LinkConnection: one TCP connection of an ivyd<->ivyd link, speaking the
// line protocol of core/link_codec.hpp over a TcpPeer (bounded queue, drops
// counted, never blocks). The stream is a plain socket or a TLS session whose
// handshake LinkOpening has completed; the protocol is the same on both.
//
//   connected --hello exchange--> ready --(EOF, error, BYE, keepalive)--> closed
//                   |
//                   +-- wrong token / version: BYE <reason>, closed (rejected)
//
// The dialling side speaks first; the listening side checks the hello before
// it answers with its own (a stranger learns nothing). The token is compared
// in constant time. Keepalive: every `keepalive` a PING goes out; a link
// silent for three intervals is closed (docs/config.md). A hello that does not
// arrive within `handshake_timeout` closes the connection. A TLS error before
// the hello (the far side's alert: it refused our certificate after a TLS 1.3
// handshake that looked complete from here) is a refusal too.
//
// Ownership: held by std::shared_ptr (timers and the TcpPeer's handlers keep
// it alive). The owner's callbacks run on the io_context thread; on_closed is
// called at most once, and never after detach(). The owner may drop its
// reference from inside a callback.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/link_codec.hpp"
#include "daemon/asio.hpp"
#include "daemon/bridges/link/tls_certificate.hpp"
#include "daemon/log.hpp"
#include "daemon/tcp_peer.hpp"

namespace ivy::daemon {

class LinkConnection : public std::enable_shared_from_this<LinkConnection>, private TcpPeer::Handler {
 public:
  enum class Role { kDialer, kListener };

  struct Options {
    Role role = Role::kDialer;
    link::Hello hello;  // ours; its token is the one expected from the far side
    std::chrono::milliseconds keepalive{15000};  // 0 = off
    std::chrono::milliseconds handshake_timeout{5000};
    TcpPeer::Options io;
    std::string label;  // "link 'id'" for logs
  };
  struct Handler {
    std::function<void(const link::Hello& theirs)> on_ready;
    std::function<void(link::Frame& frame)> on_frame;  // after ready: messages and interest
    // `rejected`: the handshake was refused (by us or by them).
    std::function<void(const std::string& why, bool rejected)> on_closed;
  };

  // `tls`: the session `stream` runs (absent: plaintext).
  LinkConnection(asio::io_context& io, PeerStream stream, std::optional<TlsSessionInfo> tls, Options options,
                 Logger& log);
  ~LinkConnection() override;

  void start(Handler handler);
  // Queues a frame (after ready). False if dropped (queue full, closed).
  bool send(std::string frame);
  // Sends BYE `reason`, flushes, closes; no callback after this.
  void close(const std::string& reason);
  void detach() { handler_ = {}; }

  bool ready() const { return ready_; }
  std::string remote() const;
  std::uint64_t dropped_frames() const { return peer_->dropped_frames(); }
  const std::optional<TlsSessionInfo>& tls() const { return tls_; }

 private:
  void on_peer_line(TcpPeer& peer, std::string_view line) override;
  void on_peer_closed(TcpPeer& peer, CloseReason reason, const error_code& ec) override;
  void on_hello(const link::Hello& theirs);
  void reject(const std::string& why);
  void finish(const std::string& why, bool rejected);
  void arm_keepalive();
  void on_keepalive();

  Options options_;
  Logger& log_;
  std::optional<TlsSessionInfo> tls_;
  std::shared_ptr<TcpPeer> peer_;
  asio::steady_timer handshake_timer_;
  asio::steady_timer keepalive_timer_;
  Handler handler_;
  std::chrono::steady_clock::time_point last_heard_;
  std::uint64_t next_ping_ = 1;
  bool ready_ = false;
  bool finished_ = false;
  bool rejected_ = false;
  std::string close_why_;
};

}  // namespace ivy::daemon
