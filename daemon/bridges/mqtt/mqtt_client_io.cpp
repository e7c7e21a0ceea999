// MqttClient's socket side: libmosquitto's reads, writes and timers driven by
// Asio readiness (mqtt_client.hpp says why the socket is a dup and why it is
// peeked at before each wait).
#include "daemon/bridges/mqtt/mqtt_client.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <openssl/ssl.h>

namespace ivy::daemon {
namespace {

// mosquitto_loop_read calls per turn; then the rest waits for a fresh turn so
// that a busy broker does not starve the buses.
constexpr int kReadBurst = 64;
// How often mosquitto_loop_misc runs: keepalive pings and their timeout.
constexpr auto kMiscInterval = std::chrono::seconds(1);

}  // namespace

bool MqttClient::still(std::uint64_t serial) const {
  return serial == connection_ && (state_ == State::kConnecting || state_ == State::kConnected);
}

Status MqttClient::watch_socket() {
  const int fd = mosquitto_socket(mosq_);
  if (fd < 0) return fail("no socket after connect");
  // Our own descriptor of the socket: Asio registers and closes this one;
  // libmosquitto closes its own when it decides to.
  const int mine = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (mine < 0) return fail(std::string("cannot watch the socket: ") + std::strerror(errno));
  error_code ec;
  socket_.assign(mine, ec);
  if (ec) {
    ::close(mine);
    return fail("cannot watch the socket: " + ec.message());
  }
  return {};
}

void MqttClient::close_socket() {
  ++connection_;  // every handler of the old socket is now stale
  error_code ignored;
  socket_.close(ignored);
  read_waiting_ = false;
  write_waiting_ = false;
  connect_timer_.cancel();
  misc_timer_.cancel();
}

// What the socket holds now, without taking it: one recv(MSG_PEEK), plus
// what OpenSSL has already decrypted. Asio only reports edges, so a wait may
// be armed only when this is kNone.
MqttClient::Input MqttClient::input() {
  char byte = 0;
  const ssize_t n = ::recv(socket_.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) return Input::kData;
  if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) return Input::kClosed;
  auto* ssl = static_cast<SSL*>(mosquitto_ssl_get(mosq_));
  return ssl && SSL_pending(ssl) > 0 ? Input::kData : Input::kNone;
}

void MqttClient::wait_readable() {
  if (read_waiting_ || !socket_.is_open()) return;
  read_waiting_ = true;
  socket_.async_wait(
      asio::posix::stream_descriptor::wait_read,
      [this, life = std::weak_ptr<int>(life_), serial = connection_](const error_code& ec) {
        if (life.expired() || serial != connection_) return;
        read_waiting_ = false;
        if (!ec) on_readable();
      });
}

// Reads packet after packet. libmosquitto leaves errno at EAGAIN when its
// last read found nothing (callbacks clear it, see CallbackScope); only then,
// and during the handshake (whose reads say nothing), is the socket asked
// whether it is really empty, so a busy stream costs no extra system call
// per message.
void MqttClient::on_readable() {
  const auto serial = connection_;
  for (int i = 1, closed = 0;; ++i) {
    errno = 0;
    const int rc = mosquitto_loop_read(mosq_, 1);
    const int saved_errno = errno;
    if (!still(serial)) return;  // a callback ended this connection
    if (rc != MOSQ_ERR_SUCCESS) {
      lost_or_failed(describe(rc, saved_errno));
      return;
    }
    const bool maybe_empty =
        saved_errno == EAGAIN || saved_errno == EWOULDBLOCK || state_ == State::kConnecting;
    if (maybe_empty || i == kReadBurst) {
      const Input in = input();
      if (in == Input::kNone) break;
      // An end of stream libmosquitto does not report (it cannot while in
      // the TLS handshake): once more, then it is ours to report.
      if (in == Input::kClosed && ++closed > 1) {
        lost_or_failed("connection closed by the broker");
        return;
      }
    }
    if (i == kReadBurst) {  // more to read: after the buses have had a turn
      asio::post(io_, [this, life = std::weak_ptr<int>(life_), serial] {
        if (!life.expired() && still(serial)) on_readable();
      });
      service_write();
      return;
    }
  }
  service_write();
  if (still(serial)) wait_readable();
}

// Writes what libmosquitto has queued; if the socket takes not all of it,
// waits until it can take more. Never inside a callback (the library holds
// its packet locks there): the handler that called into libmosquitto writes
// when the call returns.
void MqttClient::service_write() {
  if (callback_depth_ > 0 || write_waiting_ || !socket_.is_open() || !mosq_) return;
  const auto serial = connection_;
  if (mosquitto_want_write(mosq_)) {
    errno = 0;
    const int rc = mosquitto_loop_write(mosq_, 1);
    const int saved_errno = errno;
    if (!still(serial)) return;
    if (rc != MOSQ_ERR_SUCCESS) {
      lost_or_failed(describe(rc, saved_errno));
      return;
    }
  }
  if (!mosquitto_want_write(mosq_)) return;
  write_waiting_ = true;
  socket_.async_wait(asio::posix::stream_descriptor::wait_write,
                     [this, life = std::weak_ptr<int>(life_), serial](const error_code& ec) {
                       if (life.expired() || serial != connection_) return;
                       write_waiting_ = false;
                       if (ec) return;
                       if (state_ == State::kConnecting) {
                         // The TLS handshake moves on only through a read
                         // call (libmosquitto's own loop does the same).
                         errno = 0;
                         const int rc = mosquitto_loop_read(mosq_, 1);
                         const int saved_errno = errno;
                         if (!still(serial)) return;
                         if (rc != MOSQ_ERR_SUCCESS) {
                           lost_or_failed(describe(rc, saved_errno));
                           return;
                         }
                       }
                       service_write();
                     });
}

void MqttClient::schedule_misc() {
  misc_timer_.expires_after(kMiscInterval);
  misc_timer_.async_wait(
      [this, life = std::weak_ptr<int>(life_), serial = connection_](const error_code& ec) {
        if (ec || life.expired() || !still(serial)) return;
        errno = 0;
        const int rc = mosquitto_loop_misc(mosq_);
        const int saved_errno = errno;
        if (!still(serial)) return;
        if (rc != MOSQ_ERR_SUCCESS) {  // keepalive timeout, or the library's socket is gone
          lost_or_failed(rc == MOSQ_ERR_NO_CONN ? "connection closed" : describe(rc, saved_errno));
          return;
        }
        service_write();
        if (still(serial)) schedule_misc();
      });
}

void MqttClient::lost_or_failed(const std::string& why) {
  if (state_ == State::kConnected)
    lost(why);
  else
    attempt_failed(why);
}

Result<int> MqttClient::publish(const std::string& topic, std::string_view payload, int qos,
                                const MqttUserProperties& properties) {
  if (state_ != State::kConnected || !mosq_) return fail("not connected");
  mosquitto_property* list = nullptr;
  for (const auto& [name, value] : properties) {
    const int rc = mosquitto_property_add_string_pair(&list, MQTT_PROP_USER_PROPERTY, name.c_str(),
                                                      value.c_str());
    if (rc != MOSQ_ERR_SUCCESS) {
      mosquitto_property_free_all(&list);
      return fail("user property '" + name + "': " + mosquitto_strerror(rc));
    }
  }
  int mid = 0;
  errno = 0;
  const int rc = mosquitto_publish_v5(mosq_, &mid, topic.c_str(), static_cast<int>(payload.size()),
                                      payload.data(), qos, false, list);
  const int saved_errno = errno;
  mosquitto_property_free_all(&list);
  // A failed write means a broken connection, not a refused message: it is
  // queued (QoS 1, 2: sent again after the reconnection; QoS 0: lost with
  // the connection) and the read side is about to notice.
  if (rc == MOSQ_ERR_CONN_LOST || rc == MOSQ_ERR_ERRNO) return mid;
  if (rc != MOSQ_ERR_SUCCESS) return fail(describe(rc, saved_errno));
  service_write();
  return mid;
}

}  // namespace ivy::daemon
