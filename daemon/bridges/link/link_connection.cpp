#include "daemon/bridges/link/link_connection.hpp"

#include "daemon/bridges/link/tls_verifier.hpp"

namespace ivy::daemon {

LinkConnection::LinkConnection(asio::io_context& io, PeerStream stream, std::optional<TlsSessionInfo> tls,
                               Options options, Logger& log)
    : options_(std::move(options)),
      log_(log),
      tls_(std::move(tls)),
      peer_(std::make_shared<TcpPeer>(std::move(stream), 0, static_cast<TcpPeer::Handler&>(*this), options_.io)),
      handshake_timer_(io),
      keepalive_timer_(io),
      last_heard_(std::chrono::steady_clock::now()) {}

LinkConnection::~LinkConnection() {
  handler_ = {};
  peer_->stop(CloseReason::kLocal);
}

std::string LinkConnection::remote() const {
  const auto& r = peer_->remote();
  return r.address().to_string() + ":" + std::to_string(r.port());
}

void LinkConnection::start(Handler handler) {
  handler_ = std::move(handler);
  peer_->start();
  if (options_.role == Role::kDialer) peer_->send(link::encode(options_.hello));
  handshake_timer_.expires_after(options_.handshake_timeout);
  handshake_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (!ec && !self->ready_) self->reject("no hello within the handshake timeout");
  });
}

bool LinkConnection::send(std::string frame) { return ready_ && peer_->send(std::move(frame)); }

void LinkConnection::close(const std::string& reason) {
  handler_ = {};
  peer_->send(link::encode(link::Bye{reason}));
  peer_->close_after_flush();
  handshake_timer_.cancel();
  keepalive_timer_.cancel();
}

void LinkConnection::on_peer_line(TcpPeer&, std::string_view line) {
  last_heard_ = std::chrono::steady_clock::now();
  auto frame = link::decode(line);
  if (!frame) {
    log_.warning(options_.label + ": malformed frame from " + remote() + " (" + frame.error().message + ")");
    return;
  }
  if (auto* bye = std::get_if<link::Bye>(&*frame)) {
    close_why_ = "closed by the far side: " + bye->reason;
    rejected_ = !ready_;
    peer_->stop(CloseReason::kBye);
    return;
  }
  if (auto* hello = std::get_if<link::Hello>(&*frame)) {
    if (ready_) return;  // a second hello means nothing
    on_hello(*hello);
    return;
  }
  if (!ready_) {
    reject("protocol error: frame before hello");
    return;
  }
  if (auto* ping = std::get_if<link::Ping>(&*frame)) {
    peer_->send(link::encode(link::Pong{ping->n}));
    return;
  }
  if (std::holds_alternative<link::Pong>(*frame)) return;
  if (handler_.on_frame) handler_.on_frame(*frame);
}

void LinkConnection::on_hello(const link::Hello& theirs) {
  if (theirs.version != link::kProtocolVersion) {
    reject("unsupported link protocol version " + std::to_string(theirs.version) + " (this ivyd speaks " +
           std::to_string(link::kProtocolVersion) + ")");
    return;
  }
  if (!link::tokens_equal(theirs.token, options_.hello.token)) {
    reject("wrong token");
    return;
  }
  if (options_.role == Role::kListener) peer_->send(link::encode(options_.hello));
  ready_ = true;
  handshake_timer_.cancel();
  arm_keepalive();
  if (handler_.on_ready) handler_.on_ready(theirs);
}

void LinkConnection::reject(const std::string& why) {
  log_.error(options_.label + ": refused the connection " + std::string(peer_->open() ? "with " : "from ") +
             remote() + ": " + why);
  close_why_ = why;
  rejected_ = true;
  peer_->send(link::encode(link::Bye{why}));
  peer_->close_after_flush();
}

void LinkConnection::on_peer_closed(TcpPeer&, CloseReason reason, const error_code& ec) {
  handshake_timer_.cancel();
  keepalive_timer_.cancel();
  std::string why = close_why_;
  if (why.empty() && reason == CloseReason::kError && tls_ && !ready_) {
    why = describe_tls_error(ec);
    rejected_ = true;
  }
  if (why.empty()) why = std::string(close_reason_name(reason)) + (ec ? " (" + ec.message() + ")" : "");
  finish(why, rejected_);
}

void LinkConnection::finish(const std::string& why, bool rejected) {
  if (finished_) return;
  finished_ = true;
  auto handler = std::move(handler_);
  handler_ = {};
  if (handler.on_closed) handler.on_closed(why, rejected);
}

void LinkConnection::arm_keepalive() {
  if (options_.keepalive.count() <= 0) return;
  keepalive_timer_.expires_after(options_.keepalive);
  keepalive_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (!ec && !self->finished_) self->on_keepalive();
  });
}

void LinkConnection::on_keepalive() {
  const auto silent = std::chrono::steady_clock::now() - last_heard_;
  if (silent >= 3 * options_.keepalive) {
    close_why_ = "keepalive: nothing heard for " +
                 std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(silent).count()) + " ms";
    log_.warning(options_.label + ": " + close_why_ + " from " + remote() + "; closing");
    peer_->stop(CloseReason::kStalled);
    return;
  }
  peer_->send(link::encode(link::Ping{next_ping_++}));
  arm_keepalive();
}

}  // namespace ivy::daemon
