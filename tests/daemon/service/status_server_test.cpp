// The status socket's protocol (daemon/service/status_server.cpp), spoken by
// ivyctl's client (daemon/ivyctl/daemon_socket.cpp) and by raw sockets.
#include "daemon/service/status_server.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <thread>

#include "daemon/ivyctl/daemon_socket.hpp"
#include "tests/daemon/process_support.hpp"

namespace ivy::daemon {
namespace {

using ivy::test::TempDir;

// A StatusServer whose answer echoes the request, run on its own thread.
class StatusServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.open(path(), 0600, ""));
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    asio::post(io_, [this] { server_.close(); });
    work_.reset();
    thread_.join();
  }
  std::string path() const { return dir_.file("s.sock"); }

  // Connects with a raw socket, writes `bytes`, half-closes, reads to EOF.
  std::string raw_exchange(const std::string& bytes) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, path().c_str());
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    for (std::size_t sent = 0; sent < bytes.size();) {
      const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    std::string reply;
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) reply.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    return reply;
  }

  TempDir dir_;
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{std::in_place, io_.get_executor()};
  Logger log_{LogLevel::kError, Logger::Style::kPlain};
  StatusServer server_{io_, log_, [](std::string_view request) {
                         return R"({"request": ")" + std::string(request) + R"("})";
                       }};
  std::thread thread_;
};

TEST_F(StatusServerTest, AnswersTheRequestLineItWasSent) {
  auto reply = ctl::ask_daemon(path(), "who-gets hello world");
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(*reply, "{\"request\": \"who-gets hello world\"}\n");
}

TEST_F(StatusServerTest, AClientThatClosesWithoutALineGetsTheStatus) {
  EXPECT_EQ(raw_exchange(""), "{\"request\": \"\"}\n");
  EXPECT_EQ(raw_exchange("status"), "{\"request\": \"\"}\n") << "an unfinished line is not a request";
}

TEST_F(StatusServerTest, ARequestLineThatIsTooLongIsAnsweredWithAnError) {
  const std::string reply = raw_exchange(std::string(StatusServer::kMaxRequestBytes + 10, 'x') + "\n");
  EXPECT_NE(reply.find("\"error\""), std::string::npos) << reply;
  EXPECT_NE(reply.find("longer than"), std::string::npos) << reply;
  EXPECT_EQ(raw_exchange("status\n"), "{\"request\": \"status\"}\n") << "the server goes on";
}

TEST(DaemonSocket, RefusesARequestWithALineFeedWithoutConnecting) {
  auto reply = ctl::ask_daemon("/nonexistent/ivyd.sock", "who-gets a\nstatus");
  ASSERT_FALSE(reply);
  EXPECT_NE(reply.error().message.find("one line"), std::string::npos) << reply.error().message;
}

}  // namespace
}  // namespace ivy::daemon
