#include "daemon/tcp_peer.hpp"

#include <algorithm>

namespace ivy::daemon {
namespace {
// Frames gathered into one write: enough to amortise the syscall, few enough
// that the iovec stays small.
constexpr std::size_t kMaxFramesPerWrite = 64;
}  // namespace

std::string_view close_reason_name(CloseReason reason) {
  switch (reason) {
    case CloseReason::kEof: return "eof";
    case CloseReason::kReset: return "reset";
    case CloseReason::kTimeout: return "timeout";
    case CloseReason::kBye: return "bye";
    case CloseReason::kLocal: return "local";
    case CloseReason::kDuplicate: return "duplicate";
    case CloseReason::kStalled: return "stalled";
    case CloseReason::kError: return "error";
  }
  return "?";
}

TcpPeer::TcpPeer(tcp::socket socket, std::uint64_t key, Handler& handler, Options options)
    : TcpPeer(PeerStream(std::move(socket)), key, handler, options) {}

TcpPeer::TcpPeer(PeerStream stream, std::uint64_t key, Handler& handler, Options options)
    : stream_(std::move(stream)),
      key_(key),
      handler_(handler),
      options_(options),
      framer_(options.max_frame_bytes),
      stall_timer_(stream_.socket().get_executor()) {
  error_code ec;
  tcp::socket& socket = stream_.socket();
  remote_ = socket.remote_endpoint(ec);
  local_ = socket.local_endpoint(ec);
  socket.set_option(tcp::no_delay(true), ec);  // as ivy-c: privilege lag over throughput
  // write_some() in send() (plain streams only) must never block the loop:
  // it writes what the kernel takes now (async operations are non-blocking
  // anyway).
  if (!stream_.tls()) socket.non_blocking(true, ec);
  (void)apply_tcp_keepalive(socket, options_.keepalive);  // best effort: the link works without
}

void TcpPeer::start() { do_read(); }

void TcpPeer::stop(CloseReason reason) { close(reason, {}); }

void TcpPeer::close(CloseReason reason, const error_code& ec) {
  if (stopped_) return;
  auto self = shared_from_this();  // the handler may drop the owner's reference
  stopped_ = true;
  stall_timer_.cancel();
  stream_.close();
  queue_.clear();
  queued_bytes_ = 0;
  handler_.on_peer_closed(*this, reason, ec);
}

void TcpPeer::fail(const error_code& ec) {
  // A TLS peer that closes without close_notify ends its stream like EOF.
  if (ec == asio::error::eof || ec == ssl::error::stream_truncated) return close(CloseReason::kEof, ec);
  if (ec.category() == asio::error::get_ssl_category()) return close(CloseReason::kError, ec);
  close(ec == asio::error::timed_out ? CloseReason::kTimeout : CloseReason::kReset, ec);
}

void TcpPeer::close_after_flush() {
  if (stopped_) return;
  if (!writing_ && queue_.empty()) {
    stop(CloseReason::kLocal);
    return;
  }
  close_when_flushed_ = true;
}

bool TcpPeer::send(std::string frames) {
  if (stopped_ || close_when_flushed_) return false;
  // An empty queue takes any frame, even one larger than the bound: the peer
  // is keeping up, and a drop here would start a stall clock that no write
  // completion would ever stop (a healthy link closed as stalled).
  if (!queue_.empty() && queued_bytes_ + frames.size() > options_.max_queue_bytes) {
    ++dropped_frames_;
    dropped_bytes_ += frames.size();
    const auto now = std::chrono::steady_clock::now();
    if (!no_progress_since_) {
      no_progress_since_ = now;
      arm_stall_timer(options_.stall_timeout);
    }
    handler_.on_peer_dropped(*this);
    if (!stopped_ && options_.stall_timeout.count() > 0 && now - *no_progress_since_ >= options_.stall_timeout) {
      stop(CloseReason::kStalled);
    }
    return false;
  }
  // A TLS stream always goes through its async write (records, handshakes).
  if (!writing_ && !corked_ && queue_.empty() && !stream_.tls() && write_now(frames)) return true;
  queued_bytes_ += frames.size();
  queue_.push_back(std::move(frames));
  if (!writing_ && !corked_) do_write();
  return true;
}

// Nothing is in flight: hand the frames to the kernel at once. A reply (PONG,
// a MSG answering a MSG) then leaves within the handler that caused it, with
// no write operation, completion handler or extra turn of the loop (each one
// adds microseconds to a round trip on a busy machine). Returns true when the
// kernel took everything; else `frames` keeps what is left for do_write(),
// which also reports any error (a close from inside send() would pull the
// link from under its caller).
//
// What follows it in the same turn of the loop (the rest of a burst: a flood
// of MSGs) is queued behind a cork, then written in a few gathered writes by
// uncork(), posted here, instead of one write per frame.
bool TcpPeer::write_now(std::string& frames) {
  error_code ec;
  tcp::socket& socket = stream_.socket();
  const std::size_t n = socket.write_some(asio::buffer(frames), ec);
  bytes_sent_ += n;
  if (!ec && n == frames.size()) {
    corked_ = true;
    asio::post(socket.get_executor(), [self = shared_from_this()] { self->uncork(); });
    return true;
  }
  frames.erase(0, n);
  return false;
}

void TcpPeer::uncork() {
  corked_ = false;
  if (!stopped_ && !writing_ && !queue_.empty()) do_write();
}

void TcpPeer::do_read() {
  stream_.async_read_some(asio::buffer(read_buffer_), [self = shared_from_this()](const error_code& ec,
                                                                                  std::size_t n) {
    if (self->stopped_) return;
    if (ec) {
      if (ec != asio::error::operation_aborted) self->fail(ec);
      return;
    }
    self->bytes_received_ += n;
    self->framer_.feed(std::string_view(self->read_buffer_.data(), n));
    while (auto line = self->framer_.next()) {
      self->handler_.on_peer_line(*self, *line);
      if (self->stopped_) return;
    }
    self->do_read();
  });
}

void TcpPeer::do_write() {
  write_buffers_.clear();
  frames_in_flight_ = std::min(queue_.size(), kMaxFramesPerWrite);
  for (std::size_t i = 0; i < frames_in_flight_; ++i) write_buffers_.push_back(asio::buffer(queue_[i]));
  writing_ = true;
  stream_.async_write(write_buffers_, [self = shared_from_this()](const error_code& ec, std::size_t n) {
    self->writing_ = false;
    if (self->stopped_) return;
    if (ec) {
      self->fail(ec);  // ETIMEDOUT here: the user timeout ran out with frames unacknowledged
      return;
    }
    self->bytes_sent_ += n;
    self->queued_bytes_ -= n;
    for (std::size_t i = 0; i < self->frames_in_flight_; ++i) self->queue_.pop_front();
    self->frames_in_flight_ = 0;
    if (!self->queue_.empty()) {
      // Progress: a peer behind is given stall_timeout again (the timer
      // re-arms itself for the rest).
      if (self->no_progress_since_) self->no_progress_since_ = std::chrono::steady_clock::now();
      self->do_write();
      return;
    }
    if (self->no_progress_since_) {  // caught up
      self->no_progress_since_.reset();
      self->stall_timer_.cancel();
      self->handler_.on_peer_drained(*self);
      if (self->stopped_) return;
    }
    if (self->close_when_flushed_) self->stop(CloseReason::kLocal);
  });
}

// The stall is checked when it falls due, not only on the next send: a
// stalled peer that nothing more is sent to must not hold its link (and its
// queue) forever.
void TcpPeer::arm_stall_timer(std::chrono::steady_clock::duration after) {
  if (options_.stall_timeout.count() <= 0) return;
  stall_timer_.expires_after(after);
  stall_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (ec || self->stopped_ || !self->no_progress_since_) return;
    const auto stalled_for = std::chrono::steady_clock::now() - *self->no_progress_since_;
    if (stalled_for >= self->options_.stall_timeout) {
      self->stop(CloseReason::kStalled);
    } else {
      self->arm_stall_timer(self->options_.stall_timeout - stalled_for);
    }
  });
}

}  // namespace ivy::daemon
