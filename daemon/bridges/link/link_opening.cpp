#include "daemon/bridges/link/link_opening.hpp"

#include <vector>

#include "core/link_codec.hpp"
#include "daemon/bridges/link/tls_verifier.hpp"

namespace ivy::daemon {

LinkOpening::LinkOpening(tcp::socket socket, Side side, std::shared_ptr<TlsContext> tls,
                         std::chrono::milliseconds timeout)
    : socket_(std::move(socket)),
      side_(side),
      tls_(std::move(tls)),
      timeout_(timeout),
      deadline_(socket_.get_executor()) {
  error_code ec;
  const auto far = socket_.remote_endpoint(ec);
  remote_ = ec ? std::string("?") : far.address().to_string() + ":" + std::to_string(far.port());
}

void LinkOpening::start(Done done) {
  done_ = std::move(done);
  deadline_.expires_after(timeout_);
  deadline_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (ec || self->finished_) return;
    const std::string what = self->tls_stream_ ? "the TLS handshake did not finish" : "nothing was received";
    self->close_socket();
    self->finish(fail(what + " within " + std::to_string(self->timeout_.count()) + " ms"));
  });
  if (side_ == Side::kListener) {
    sniff();
  } else if (tls_) {
    handshake();
  } else {
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
      if (!self->finished_) self->succeed(PeerStream(std::move(self->socket_)), std::nullopt);
    });
  }
}

void LinkOpening::cancel() {
  finished_ = true;
  done_ = {};
  deadline_.cancel();
  close_socket();
}

void LinkOpening::sniff() {
  socket_.async_receive(asio::buffer(&first_byte_, 1), tcp::socket::message_peek,
                        [self = shared_from_this()](const error_code& ec, std::size_t n) {
                          if (self->finished_) return;
                          if (ec || n == 0) {
                            self->close_socket();
                            const std::string detail = ec ? " (" + ec.message() + ")" : "";
                            self->finish(fail("closed before sending anything" + detail));
                            return;
                          }
                          self->on_first_byte(self->first_byte_);
                        });
}

void LinkOpening::on_first_byte(unsigned char byte) {
  const bool tls_hello = byte == link::kTlsHandshakeRecord;
  if (tls_ && tls_hello) {
    handshake();
  } else if (tls_) {
    refuse_in_plaintext("this link requires TLS",
                        "not TLS: the far side speaks plaintext (this link has \"tls\" settings, the far side's not)");
  } else if (tls_hello) {
    refuse_in_plaintext("this link does not use TLS",
                        "the far side speaks TLS, but this link has no \"tls\" settings");
  } else {
    succeed(PeerStream(std::move(socket_)), std::nullopt);
  }
}

// The far side gets one line it can read if it speaks the plaintext protocol
// (a plaintext dialer logs it as the reason); what it sent is read and
// dropped first, since closing a socket with unread data resets the
// connection, and the reset could overtake the BYE.
void LinkOpening::refuse_in_plaintext(const std::string& bye, const std::string& why) {
  bye_ = link::encode(link::Bye{bye});
  asio::async_write(socket_, asio::buffer(bye_), [self = shared_from_this(), why](const error_code&, std::size_t) {
    if (self->finished_) return;
    error_code ec;
    std::vector<char> unread(std::min<std::size_t>(self->socket_.available(ec), 64 * 1024));
    if (!unread.empty()) self->socket_.read_some(asio::buffer(unread), ec);
    self->close_socket();
    self->finish(fail(why));
  });
}

void LinkOpening::handshake() {
  tls_stream_ = std::make_unique<PeerStream::TlsStream>(std::move(socket_), tls_->native());
  verifier_ = std::make_shared<TlsVerifier>(tls_->settings());
  verifier_->attach(*tls_stream_);
  const auto type = side_ == Side::kDialer ? ssl::stream_base::client : ssl::stream_base::server;
  tls_stream_->async_handshake(type, [self = shared_from_this()](const error_code& ec) {
    if (self->finished_) return;
    if (ec) {
      const std::string& refusal = self->verifier_->refusal();
      const std::string why = refusal.empty() ? describe_tls_error(ec) : "the far side's certificate: " + refusal;
      self->close_socket();
      self->finish(fail(why));
      return;
    }
    auto info = describe_session(self->tls_stream_->native_handle());
    self->succeed(PeerStream(std::move(self->tls_stream_)), std::move(info));
  });
}

void LinkOpening::succeed(PeerStream stream, std::optional<TlsSessionInfo> tls) {
  finish(Opened{std::move(stream), std::move(tls)});
}

void LinkOpening::finish(Result<Opened> outcome) {
  if (finished_) return;
  finished_ = true;
  deadline_.cancel();
  auto done = std::move(done_);
  done_ = {};
  if (done) done(std::move(outcome));
}

void LinkOpening::close_socket() {
  error_code ignored;
  if (tls_stream_) tls_stream_->next_layer().close(ignored);
  socket_.close(ignored);
}

}  // namespace ivy::daemon
