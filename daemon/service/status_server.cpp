#include "daemon/service/status_server.hpp"

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>

namespace ivy::daemon {
namespace {

constexpr int kMaxClients = 16;
constexpr auto kClientTimeout = std::chrono::seconds(5);

using local = asio::local::stream_protocol;

// One client: read its request line, write the answer, half-close, read
// (and ignore) whatever the client still sends up to its EOF, close. Bounded
// by kClientTimeout.
class StatusClient : public std::enable_shared_from_this<StatusClient> {
 public:
  using Report = StatusServer::Report;

  StatusClient(local::socket socket, std::weak_ptr<const Report> report, std::shared_ptr<int> clients)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), report_(std::move(report)),
        clients_(std::move(clients)) {
    ++*clients_;
  }
  ~StatusClient() { --*clients_; }

  void start() {
    auto self = shared_from_this();
    timer_.expires_after(kClientTimeout);
    timer_.async_wait([self](const error_code& ec) {
      if (!ec) {
        error_code ignored;
        self->socket_.close(ignored);
      }
    });
    asio::async_read_until(socket_, asio::dynamic_buffer(request_, StatusServer::kMaxRequestBytes + 1), '\n',
                           [self](const error_code& ec, std::size_t line_bytes) { self->on_request(ec, line_bytes); });
  }

 private:
  void on_request(const error_code& ec, std::size_t line_bytes) {
    if (ec == asio::error::operation_aborted) return finish();
    const auto report = report_.lock();
    if (!report) return finish();
    std::string answer;
    if (!ec) {
      answer = (*report)(std::string_view(request_).substr(0, line_bytes - 1));
    } else if (ec == asio::error::eof) {
      answer = (*report)({});  // closed without a request line: the status
    } else if (request_.size() > StatusServer::kMaxRequestBytes) {
      answer = R"({"error": "request line longer than )" + std::to_string(StatusServer::kMaxRequestBytes) +
               R"( bytes"})";
    } else {
      return finish();
    }
    reply_ = std::move(answer) + "\n";
    request_.clear();
    asio::async_write(socket_, asio::buffer(reply_), [self = shared_from_this()](const error_code& ec, std::size_t) {
      if (ec) return self->finish();
      // Half-close, then read what the client may still send up to its EOF:
      // closing with unread bytes would reset the connection and the client
      // could lose the end of the reply.
      error_code ignored;
      self->socket_.shutdown(local::socket::shutdown_send, ignored);
      self->drain();
    });
  }
  void drain() {
    socket_.async_read_some(asio::buffer(scratch_), [self = shared_from_this()](const error_code& ec, std::size_t) {
      if (ec) return self->finish();
      self->drain();
    });
  }
  void finish() {
    error_code ignored;
    socket_.close(ignored);
    timer_.cancel();
  }

 private:
  local::socket socket_;
  asio::steady_timer timer_;
  std::weak_ptr<const Report> report_;
  std::string request_;
  std::string reply_;
  std::array<char, 256> scratch_{};
  std::shared_ptr<int> clients_;  // shared: a client may outlive the server
};

}  // namespace

StatusServer::StatusServer(asio::io_context& io, Logger& log, Report report)
    : io_(io), log_(log), report_(std::make_shared<const Report>(std::move(report))), acceptor_(io) {}

StatusServer::~StatusServer() { close(); }

Status StatusServer::open(const std::string& path, unsigned mode, const std::string& group) {
  ::unlink(path.c_str());  // a stale socket left by a crash
  error_code ec;
  acceptor_.open(local(), ec);
  if (!ec) acceptor_.bind(local::endpoint(path), ec);
  if (ec == boost::system::errc::no_such_file_or_directory) {
    // Run by hand, /run/ivyd may not exist yet (systemd's RuntimeDirectory=
    // creates it for the service): create the last directory and retry.
    const auto slash = path.rfind('/');
    if (slash != std::string::npos && slash > 0 && ::mkdir(path.substr(0, slash).c_str(), 0750) == 0) {
      ec.clear();
      acceptor_.bind(local::endpoint(path), ec);
    }
  }
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error_code ignored;
    acceptor_.close(ignored);
    return fail("cannot open the status socket " + path + ": " + ec.message());
  }
  path_ = path;
  if (::chmod(path.c_str(), static_cast<mode_t>(mode)) != 0) {
    log_.warning("cannot set mode of " + path + ": " + std::strerror(errno));
  }
  if (!group.empty()) {
    if (const struct group* gr = ::getgrnam(group.c_str())) {
      if (::chown(path.c_str(), static_cast<uid_t>(-1), gr->gr_gid) != 0) {
        log_.warning("cannot give " + path + " to group " + group + ": " + std::strerror(errno));
      }
    } else {
      log_.debug("group '" + group + "' does not exist; status socket keeps the daemon's group");
    }
  }
  do_accept();
  return {};
}

void StatusServer::close() {
  if (!acceptor_.is_open()) return;
  error_code ignored;
  acceptor_.close(ignored);
  if (!path_.empty()) ::unlink(path_.c_str());
}

void StatusServer::do_accept() {
  acceptor_.async_accept([this](const error_code& ec, local::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      if (*clients_ >= kMaxClients) {
        log_.warning("status socket: too many clients at once, one refused");
      } else {
        std::make_shared<StatusClient>(std::move(socket), report_, clients_)->start();
      }
    }
    do_accept();
  });
}

}  // namespace ivy::daemon
