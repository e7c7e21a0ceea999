#pragma once
// TcpPeer: one Ivy TCP link's I/O, in the shape of the Asio examples'
// `connection`: start()/stop(), a read loop feeding a LineFramer, and one
// outstanding write draining a bounded outbound queue.
//
// The queue holds whole frames. When adding a frame would take it past
// max_queue_bytes the frame is dropped and counted (an empty queue takes any
// frame, so the queue holds at most max_queue_bytes + one frame): a slow or stalled peer
// never blocks the event loop or any other peer, and a frame is never cut
// (ivy-c can queue a MSG header and drop its body, Q-C-11). The handler
// hears of every drop and of the queue draining afterwards (the recorder
// records drops).
//
// Stall: from a drop until the queue drains, the peer is behind. A peer
// behind that makes no write progress for stall_timeout is closed
// (kStalled) when that time is up, whether or not anything more is sent to
// it. A slow reader that keeps making progress is not stalled.
//
// The stream is a plain socket or a TLS session (PeerStream); nothing here
// depends on which.
//
// Ownership: held by std::shared_ptr; handlers capture `self`. The owner
// (Agent) is told of lines and of the close through the Handler interface,
// always from the io_context thread. on_closed() is called exactly once.

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/line_framer.hpp"
#include "daemon/asio.hpp"
#include "daemon/peer_stream.hpp"
#include "daemon/tcp_keepalive.hpp"

namespace ivy::daemon {

// kTimeout: the kernel gave up on the peer (ETIMEDOUT): keepalive probes or
// sent data went unacknowledged, i.e. its host is gone (see TcpKeepalive).
// kError: the stream itself failed, e.g. a TLS alert or a corrupt record.
enum class CloseReason { kEof, kReset, kTimeout, kBye, kLocal, kDuplicate, kStalled, kError };
std::string_view close_reason_name(CloseReason reason);

class TcpPeer : public std::enable_shared_from_this<TcpPeer> {
 public:
  class Handler {
   public:
    virtual ~Handler() = default;
    virtual void on_peer_line(TcpPeer& peer, std::string_view line) = 0;
    virtual void on_peer_closed(TcpPeer& peer, CloseReason reason, const error_code& ec) = 0;
    // A frame was dropped: the queue was full. Called before a close for a
    // stall that this drop reveals.
    virtual void on_peer_dropped(TcpPeer&) {}
    // The queue emptied after frames had been dropped: the peer caught up.
    virtual void on_peer_drained(TcpPeer&) {}
  };

  struct Options {
    std::size_t max_frame_bytes = LineFramer::kDefaultMaxFrameBytes;
    std::size_t max_queue_bytes = 32 * 1024 * 1024;
    // A peer behind (frames dropped, queue not drained since) that makes no
    // write progress for this long is closed (CloseReason::kStalled); 0: never.
    std::chrono::milliseconds stall_timeout{30000};
    // So a half-open link (peer host gone) is noticed; off: the system
    // default (no keepalive, about 15 minutes of retransmissions).
    TcpKeepalive keepalive = TcpKeepalive::from_idle(std::chrono::seconds(60));
  };

  TcpPeer(tcp::socket socket, std::uint64_t key, Handler& handler, Options options);
  TcpPeer(PeerStream stream, std::uint64_t key, Handler& handler, Options options);

  // Starts reading. Call once, after the socket is connected.
  void start();
  // Closes the socket now; queued frames are discarded. on_peer_closed() is
  // called with `reason` unless it was already called.
  void stop(CloseReason reason = CloseReason::kLocal);
  // Sends what is queued, then closes (BYE on shutdown).
  void close_after_flush();

  // Sends one or more complete frames: written at once when nothing is queued
  // (as much as the kernel takes), else queued. False when dropped (queue
  // full or closed). Never closes the link itself: a write error is reported
  // through on_peer_closed() from the loop.
  bool send(std::string frames);

  std::uint64_t key() const { return key_; }
  const tcp::endpoint& remote() const { return remote_; }
  const tcp::endpoint& local() const { return local_; }
  bool open() const { return !stopped_; }

  std::size_t queued_bytes() const { return queued_bytes_; }
  std::uint64_t dropped_frames() const { return dropped_frames_; }
  std::uint64_t dropped_bytes() const { return dropped_bytes_; }
  std::uint64_t oversized_frames() const { return framer_.oversized_frames(); }
  std::size_t max_frame_bytes() const { return options_.max_frame_bytes; }
  const Options& options() const { return options_; }
  const TcpKeepalive& keepalive() const { return options_.keepalive; }
  std::uint64_t bytes_sent() const { return bytes_sent_; }
  std::uint64_t bytes_received() const { return bytes_received_; }
  const PeerStream& stream() const { return stream_; }

 private:
  void do_read();
  bool write_now(std::string& frames);
  void uncork();
  void do_write();
  void arm_stall_timer(std::chrono::steady_clock::duration after);
  // Closes on an error of the socket (`ec` is passed on to the handler).
  void fail(const error_code& ec);
  void close(CloseReason reason, const error_code& ec);

  PeerStream stream_;
  std::uint64_t key_;
  Handler& handler_;
  Options options_;
  tcp::endpoint remote_;
  tcp::endpoint local_;
  LineFramer framer_;
  std::array<char, 64 * 1024> read_buffer_{};
  std::deque<std::string> queue_;
  std::vector<asio::const_buffer> write_buffers_;
  std::size_t frames_in_flight_ = 0;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool corked_ = false;  // a direct write this turn: the rest waits for uncork()
  bool stopped_ = false;
  bool close_when_flushed_ = false;
  std::uint64_t dropped_frames_ = 0;
  std::uint64_t dropped_bytes_ = 0;
  std::uint64_t bytes_sent_ = 0;
  std::uint64_t bytes_received_ = 0;
  // Set while the peer is behind (a frame dropped, the queue not drained
  // since): the first drop or the last write progress after it.
  std::optional<std::chrono::steady_clock::time_point> no_progress_since_;
  asio::steady_timer stall_timer_;  // due at no_progress_since_ + stall_timeout
};

}  // namespace ivy::daemon
