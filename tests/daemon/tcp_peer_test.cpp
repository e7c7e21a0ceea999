// TcpPeer: the bounded outbound queue, its drop counters and the stall
// timeout, against a loopback socket that never reads; the user timeout
// against one whose host vanished.
#include "daemon/tcp_peer.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "tests/daemon/test_support.hpp"

namespace ivy::daemon::test {
namespace {

struct Closed : TcpPeer::Handler {
  void on_peer_line(TcpPeer&, std::string_view) override {}
  void on_peer_closed(TcpPeer&, CloseReason r, const error_code& e) override {
    reason = r;
    ec = e;
  }
  void on_peer_dropped(TcpPeer&) override { ++dropped; }
  void on_peer_drained(TcpPeer&) override { ++drained; }
  std::optional<CloseReason> reason;
  error_code ec;
  std::uint64_t dropped = 0;
  std::uint64_t drained = 0;
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

// Regression: the stall was only checked when the next frame was sent, and
// any write progress ended it, so a peer that stopped reading kept its link
// and its queue forever once nothing more was sent to it (the kernel still
// takes a last frame or two after the first drop).
TEST(TcpPeer, ClosesAStalledPeerAtTheTimeoutEvenWhenNothingMoreIsSent) {
  asio::io_context io;
  Pair pair(io);
  Closed handler;
  TcpPeer::Options options;
  options.max_queue_bytes = 16 * 1024;
  options.stall_timeout = std::chrono::milliseconds(200);
  auto peer = std::make_shared<TcpPeer>(std::move(*pair.ours), 1, handler, options);
  peer->start();
  const std::string frame(1000, 'x');
  // Until the kernel buffers are full too: drops with no write progress.
  std::optional<std::chrono::steady_clock::time_point> first_drop;
  for (int i = 0; i < 5000 && handler.dropped < 50; ++i) {
    peer->send(frame + "\n");
    if (handler.dropped > 0 && !first_drop) first_drop = std::chrono::steady_clock::now();
    io.poll();
  }
  ASSERT_GE(handler.dropped, 50u) << "the queue never filled";
  ASSERT_FALSE(handler.reason.has_value());
  ASSERT_TRUE(run_until(io, [&] { return handler.reason.has_value(); }, 2000ms));
  EXPECT_EQ(*handler.reason, CloseReason::kStalled);
  EXPECT_GE(std::chrono::steady_clock::now() - *first_drop, options.stall_timeout);
  EXPECT_EQ(handler.dropped, peer->dropped_frames());
}

// Behind is not stalled: a reader that keeps taking bytes, too slowly for
// what is sent, loses frames but keeps its link.
TEST(TcpPeer, KeepsASlowReaderThatMakesProgressWhileItLosesFrames) {
  asio::io_context io;
  Pair pair(io);
  Closed handler;
  TcpPeer::Options options;
  options.max_queue_bytes = 16 * 1024;
  // Reads come every ~20 ms; the stall timeout leaves room for a loaded
  // machine (sanitizers, -j2) to pause the test thread, and the test runs
  // for several timeouts.
  options.stall_timeout = std::chrono::milliseconds(800);
  auto peer = std::make_shared<TcpPeer>(std::move(*pair.ours), 1, handler, options);
  peer->start();
  pair.theirs.non_blocking(true);
  std::array<char, 8192> buffer{};
  const std::string frame(1000, 'x');
  const auto start = std::chrono::steady_clock::now();
  for (int ms = 0; std::chrono::steady_clock::now() - start < std::chrono::milliseconds(2500); ++ms) {
    peer->send(frame + "\n");  // 1 MB/s
    if (ms % 20 == 0) {
      error_code ignored;
      pair.theirs.read_some(asio::buffer(buffer), ignored);  // ~400 KB/s
    }
    io.run_for(std::chrono::milliseconds(1));
  }
  EXPECT_GT(handler.dropped, 100u);
  EXPECT_GT(peer->bytes_sent(), 100'000u);
  EXPECT_FALSE(handler.reason.has_value()) << "a slow reader was closed as stalled";
  peer->stop();
}

// Regression (review): a frame larger than the whole queue bound, sent to an
// idle peer, was dropped and started the stall clock, and with nothing in
// flight no write ever stopped it: a healthy link was closed as stalled.
TEST(TcpPeer, AnEmptyQueueTakesAFrameLargerThanTheBoundAndNothingStalls) {
  asio::io_context io;
  Pair pair(io);
  Closed handler;
  TcpPeer::Options options;
  options.max_queue_bytes = 1024;
  // Long enough that a loaded machine pausing this reader is not a stall.
  options.stall_timeout = std::chrono::milliseconds(600);
  auto peer = std::make_shared<TcpPeer>(std::move(*pair.ours), 1, handler, options);
  peer->start();
  // More than the socket buffers take at once: most of it stays queued.
  const std::string big(300'000, 'x');
  EXPECT_TRUE(peer->send(big + "\n"));
  EXPECT_FALSE(peer->send("behind it\n")) << "the bound still applies to what queues behind";
  pair.theirs.non_blocking(true);
  std::string got;
  std::array<char, 65536> buffer{};
  ASSERT_TRUE(run_until(io, [&] {
    error_code ec;
    const std::size_t n = pair.theirs.read_some(asio::buffer(buffer), ec);
    got.append(buffer.data(), ec ? 0 : n);
    return got.size() == big.size() + 1;
  }, 5000ms));
  EXPECT_EQ(got, big + "\n");
  run_for(io, 1200ms);  // twice the stall timeout
  EXPECT_FALSE(handler.reason.has_value()) << close_reason_name(*handler.reason);
  EXPECT_TRUE(peer->open());
  EXPECT_EQ(handler.dropped, 1u);
  peer->stop();
}

TEST(TcpPeer, TellsTheHandlerOfEveryDropAndOfTheDrainThatFollows) {
  asio::io_context io;
  Pair pair(io);
  Closed handler;
  TcpPeer::Options options;
  options.max_queue_bytes = 16 * 1024;
  options.stall_timeout = std::chrono::milliseconds(0);
  auto peer = std::make_shared<TcpPeer>(std::move(*pair.ours), 1, handler, options);
  peer->start();
  const std::string frame(1000, 'x');
  for (int i = 0; i < 5000 && handler.dropped < 50; ++i) {
    peer->send(frame + "\n");
    io.poll();
  }
  ASSERT_GE(handler.dropped, 50u);
  EXPECT_EQ(handler.dropped, peer->dropped_frames());
  EXPECT_EQ(handler.drained, 0u);
  // The reader catches up: the queue drains, once.
  pair.theirs.non_blocking(true);
  std::array<char, 65536> buffer{};
  ASSERT_TRUE(run_until(io, [&] {
    error_code ignored;
    pair.theirs.read_some(asio::buffer(buffer), ignored);
    return handler.drained == 1;
  }, 3000ms));
  EXPECT_EQ(peer->queued_bytes(), 0u);
  // Frames go through again, and a drain without drops is not reported.
  EXPECT_TRUE(peer->send(frame + "\n"));
  run_for(io, 50ms);
  EXPECT_EQ(handler.drained, 1u);
  EXPECT_FALSE(handler.reason.has_value());
  peer->stop();
}

// Frames sent to a peer whose host vanished are never acknowledged; keepalive
// does not run while data is in flight, so only the user timeout ends the
// link (without it the kernel retransmits for about 15 minutes).
TEST(TcpPeer, ClosesWithTimeoutWhenSentFramesAreNeverAcknowledged) {
  asio::io_context io;
  Pair pair(io);
  ASSERT_TRUE(drop_all_incoming(pair.theirs.native_handle()));
  Closed handler;
  TcpPeer::Options options;
  options.keepalive = TcpKeepalive::from_idle(std::chrono::seconds(60));
  options.keepalive.user_timeout = std::chrono::milliseconds(300);
  auto peer = std::make_shared<TcpPeer>(std::move(*pair.ours), 1, handler, options);
  peer->start();
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(peer->send("2 1\x02unacknowledged\n"));
  ASSERT_TRUE(run_until(io, [&] { return handler.reason.has_value(); }, 5000ms));
  EXPECT_EQ(*handler.reason, CloseReason::kTimeout);
  EXPECT_EQ(handler.ec, asio::error::timed_out) << handler.ec.message();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3000ms);
  EXPECT_EQ(close_reason_name(*handler.reason), "timeout");
}

// A reply to an idle peer (a PONG) leaves inside send(): no turn of the loop.
TEST(TcpPeer, AFrameToAnIdlePeerIsWrittenBeforeSendReturns) {
  asio::io_context io;
  Pair pair(io);
  Closed handler;
  auto peer = std::make_shared<TcpPeer>(std::move(*pair.ours), 1, handler, TcpPeer::Options{});
  peer->start();
  ASSERT_TRUE(peer->send("10 7\x02\n"));
  EXPECT_EQ(peer->bytes_sent(), 6u);
  EXPECT_EQ(peer->queued_bytes(), 0u);
  std::array<char, 16> buffer{};
  error_code ec;
  const std::size_t n = pair.theirs.read_some(asio::buffer(buffer), ec);  // blocking: it is there
  EXPECT_EQ(std::string(buffer.data(), n), "10 7\x02\n");
  peer->stop();
}

// After a frame written at once, the rest of the burst is queued and leaves
// in gathered writes, in order, not one write per frame.
TEST(TcpPeer, FramesBehindADirectWriteAreGatheredAndKeepTheirOrder) {
  asio::io_context io;
  Pair pair(io);
  Closed handler;
  auto peer = std::make_shared<TcpPeer>(std::move(*pair.ours), 1, handler, TcpPeer::Options{});
  peer->start();
  std::string expected;
  for (int i = 0; i < 500; ++i) {
    const std::string frame = "2 1\x02" + std::to_string(i) + "\n";
    ASSERT_TRUE(peer->send(frame));
    expected += frame;
  }
  EXPECT_EQ(peer->bytes_sent(), 6u) << "only the first frame was written within the burst";
  EXPECT_EQ(peer->queued_bytes(), expected.size() - 6);
  pair.theirs.non_blocking(true);
  std::string got;
  std::array<char, 65536> buffer{};
  ASSERT_TRUE(run_until(io, [&] {
    error_code ec;
    const std::size_t n = pair.theirs.read_some(asio::buffer(buffer), ec);
    got.append(buffer.data(), ec ? 0 : n);
    return got.size() >= expected.size();
  }, 5000ms));
  EXPECT_EQ(got, expected);
  EXPECT_EQ(peer->queued_bytes(), 0u);
  peer->stop();
}

// A write that fails inside send() must not close the link from under the
// caller (the Agent still holds it): the error comes back from the loop.
TEST(TcpPeer, AWriteErrorInSendIsReportedByTheLoopNotInsideSend) {
  asio::io_context io;
  Pair pair(io);
  Closed handler;
  auto peer = std::make_shared<TcpPeer>(std::move(*pair.ours), 1, handler, TcpPeer::Options{});
  pair.theirs.set_option(asio::socket_base::linger(true, 0));
  pair.theirs.close();  // RST
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  for (int i = 0; i < 3; ++i) {
    peer->send("2 1\x02" "after the reset\n");
    EXPECT_FALSE(handler.reason.has_value()) << "closed inside send()";
  }
  ASSERT_TRUE(run_until(io, [&] { return handler.reason.has_value(); }, 3000ms));
  EXPECT_EQ(*handler.reason, CloseReason::kReset);
}

// The error of a failed write reaches the handler (and so the log line).
TEST(TcpPeer, ReportsAWriteErrorWithItsCode) {
  asio::io_context io;
  Pair pair(io);
  Closed handler;
  auto peer = std::make_shared<TcpPeer>(std::move(*pair.ours), 1, handler, TcpPeer::Options{});
  // Not started: no read is pending, so the write is what meets the reset.
  pair.theirs.set_option(asio::socket_base::linger(true, 0));
  pair.theirs.close();  // RST
  for (int i = 0; i < 100 && !handler.reason; ++i) {
    peer->send("2 1\x02" "after the reset\n");
    io.run_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(handler.reason.has_value());
  EXPECT_EQ(*handler.reason, CloseReason::kReset);
  EXPECT_TRUE(handler.ec) << "the close reached the handler without its error";
}

}  // namespace
}  // namespace ivy::daemon::test
