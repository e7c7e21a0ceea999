// TcpKeepalive: the settings derived from limits.tcp_keepalive_seconds and
// their application to a socket (read back with getsockopt).
#include "daemon/tcp_keepalive.hpp"

#include <gtest/gtest.h>

#include <netinet/tcp.h>
#include <sys/socket.h>

#include "tests/daemon/test_support.hpp"

namespace ivy::daemon::test {
namespace {

int option(tcp::socket& socket, int level, int name) {
  int value = -1;
  socklen_t size = sizeof value;
  if (::getsockopt(socket.native_handle(), level, name, &value, &size) != 0) return -1;
  return value;
}

struct Connected {
  explicit Connected(asio::io_context& io)
      : acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), socket(io) {
    socket.connect(acceptor.local_endpoint());
  }
  tcp::acceptor acceptor;
  tcp::socket socket;
};

TEST(TcpKeepalive, ProductionDefaultProbesEveryTenSecondsAndGivesUpAfterNinety) {
  const auto k = TcpKeepalive::from_idle(std::chrono::seconds(60));
  EXPECT_TRUE(k.enabled());
  EXPECT_EQ(k.idle, std::chrono::seconds(60));
  EXPECT_EQ(k.interval, std::chrono::seconds(10));
  EXPECT_EQ(k.probes, 3);
  EXPECT_EQ(k.detection_bound(), std::chrono::seconds(90));
  EXPECT_EQ(k.user_timeout, std::chrono::milliseconds(90'000));
}

TEST(TcpKeepalive, ShortIdleTimesProbeEverySecond) {
  const auto k = TcpKeepalive::from_idle(std::chrono::seconds(1));
  EXPECT_EQ(k.interval, std::chrono::seconds(1));
  EXPECT_EQ(k.detection_bound(), std::chrono::seconds(4));
  EXPECT_EQ(k.user_timeout, std::chrono::milliseconds(4000));
  EXPECT_EQ(TcpKeepalive::from_idle(std::chrono::seconds(11)).interval, std::chrono::seconds(1));
}

TEST(TcpKeepalive, LongIdleTimesScaleTheInterval) {
  const auto k = TcpKeepalive::from_idle(std::chrono::seconds(600));
  EXPECT_EQ(k.interval, std::chrono::seconds(100));
  EXPECT_EQ(k.detection_bound(), std::chrono::seconds(900));
}

// Regression (review): the config allows a day, Linux refuses TCP_KEEPIDLE
// above 32,767 s, and the first refusal left interval, count and user timeout
// unset. The idle time is capped and every option is applied.
TEST(TcpKeepalive, IdleTimesAboveTheKernelLimitAreCappedAndFullyApplied) {
  const auto day = TcpKeepalive::from_idle(std::chrono::seconds(86'400));
  EXPECT_EQ(day.idle, std::chrono::seconds(32'767));
  EXPECT_EQ(day.detection_bound(), std::chrono::seconds(32'767 + 3 * 5'461));
  asio::io_context io;
  Connected c(io);
  EXPECT_FALSE(apply_tcp_keepalive(c.socket, day));
  EXPECT_EQ(option(c.socket, IPPROTO_TCP, TCP_KEEPIDLE), 32'767);
  EXPECT_EQ(option(c.socket, IPPROTO_TCP, TCP_KEEPINTVL), 5'461);
  EXPECT_EQ(option(c.socket, IPPROTO_TCP, TCP_KEEPCNT), 3);
  EXPECT_EQ(option(c.socket, IPPROTO_TCP, TCP_USER_TIMEOUT), 49'150'000);
}

TEST(TcpKeepalive, ZeroIsOffAndLeavesTheSocketAlone) {
  const auto k = TcpKeepalive::from_idle(std::chrono::seconds(0));
  EXPECT_FALSE(k.enabled());
  EXPECT_EQ(k.user_timeout.count(), 0);
  asio::io_context io;
  Connected c(io);
  EXPECT_FALSE(apply_tcp_keepalive(c.socket, k));
  EXPECT_EQ(option(c.socket, SOL_SOCKET, SO_KEEPALIVE), 0);
  EXPECT_EQ(option(c.socket, IPPROTO_TCP, TCP_USER_TIMEOUT), 0);
}

TEST(TcpKeepalive, IsAppliedToTheSocket) {
  asio::io_context io;
  Connected c(io);
  const auto k = TcpKeepalive::from_idle(std::chrono::seconds(30));
  EXPECT_FALSE(apply_tcp_keepalive(c.socket, k));
  EXPECT_EQ(option(c.socket, SOL_SOCKET, SO_KEEPALIVE), 1);
  EXPECT_EQ(option(c.socket, IPPROTO_TCP, TCP_KEEPIDLE), 30);
  EXPECT_EQ(option(c.socket, IPPROTO_TCP, TCP_KEEPINTVL), 5);
  EXPECT_EQ(option(c.socket, IPPROTO_TCP, TCP_KEEPCNT), 3);
  EXPECT_EQ(option(c.socket, IPPROTO_TCP, TCP_USER_TIMEOUT), 45'000);
}

TEST(TcpKeepalive, AFailureIsReturnedNotThrown) {
  asio::io_context io;
  tcp::socket closed(io);  // not open: every setsockopt fails
  closed.open(tcp::v4());
  closed.close();
  EXPECT_TRUE(apply_tcp_keepalive(closed, TcpKeepalive::from_idle(std::chrono::seconds(5))));
}

}  // namespace
}  // namespace ivy::daemon::test
