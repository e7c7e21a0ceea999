// TcpPeer: the bounded outbound queue, its drop counters and the stall
// timeout, against a loopback socket that never reads.
#include "daemon/tcp_peer.hpp"

#include <gtest/gtest.h>

#include "tests/daemon/test_support.hpp"

namespace ivy::daemon::test {
namespace {

struct Closed : TcpPeer::Handler {
  void on_peer_line(TcpPeer&, std::string_view) override {}
  void on_peer_closed(TcpPeer&, CloseReason r, const error_code&) override { reason = r; }
  std::optional<CloseReason> reason;
};

// A connected pair: `ours` wrapped in a TcpPeer, `theirs` a plain socket
// with a tiny receive buffer that the test never reads.
struct Pair {
  explicit Pair(asio::io_context& io) : acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), theirs(io) {
    theirs.open(tcp::v4());
    theirs.set_option(asio::socket_base::receive_buffer_size(4096));
    theirs.connect(acceptor.local_endpoint());
    ours = std::make_unique<tcp::socket>(acceptor.accept());
    ours->set_option(asio::socket_base::send_buffer_size(4096));  // fill up fast
  }
  tcp::acceptor acceptor;
  tcp::socket theirs;
  std::unique_ptr<tcp::socket> ours;
};

TEST(TcpPeer, DropsWholeFramesPastTheQueueBoundAndCountsThem) {
  asio::io_context io;
  Pair pair(io);
  Closed handler;
  TcpPeer::Options options;
  options.max_queue_bytes = 16 * 1024;
  options.stall_timeout = std::chrono::milliseconds(0);  // never close
  auto peer = std::make_shared<TcpPeer>(std::move(*pair.ours), 1, handler, options);
  peer->start();
  const std::string frame(1000, 'x');
  std::size_t accepted = 0;
  for (int i = 0; i < 2000; ++i) {
    accepted += peer->send(frame + "\n");
    io.poll();
  }
  EXPECT_LE(peer->queued_bytes(), options.max_queue_bytes);
  EXPECT_GT(peer->dropped_frames(), 0u);
  EXPECT_EQ(peer->dropped_frames() + accepted, 2000u);
  EXPECT_EQ(peer->dropped_bytes(), peer->dropped_frames() * 1001);
  EXPECT_FALSE(handler.reason.has_value());
  peer->stop();
}

TEST(TcpPeer, ClosesAPeerThatStaysStalledPastTheTimeout) {
  asio::io_context io;
  Pair pair(io);
  Closed handler;
  TcpPeer::Options options;
  options.max_queue_bytes = 16 * 1024;
  options.stall_timeout = std::chrono::milliseconds(200);
  auto peer = std::make_shared<TcpPeer>(std::move(*pair.ours), 1, handler, options);
  peer->start();
  const std::string frame(1000, 'x');
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (!handler.reason && std::chrono::steady_clock::now() < deadline) {
    peer->send(frame + "\n");
    io.run_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(handler.reason.has_value());
  EXPECT_EQ(*handler.reason, CloseReason::kStalled);
  EXPECT_FALSE(peer->open());
}

}  // namespace
}  // namespace ivy::daemon::test
