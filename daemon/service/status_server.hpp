#pragma once
// StatusServer: the live status Unix socket `ivyctl status` and `ivyctl who`
// talk to. A client connects, may send one request line ("status"), and gets
// one JSON document followed by LF; then the server closes the connection.
// The document comes from a callback run on the event loop, so it reflects
// the state between two events. A client that does not read is cut after a
// timeout; the number of clients at once is bounded.
//
// The socket file is created with the configured mode (default 0660) and
// group (default "ivyd"), replacing a stale file left by a crash.

#include <functional>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "daemon/asio.hpp"
#include "daemon/log.hpp"

namespace ivy::daemon {

class StatusServer {
 public:
  using Report = std::function<std::string()>;

  StatusServer(asio::io_context& io, Logger& log, Report report);
  ~StatusServer();

  Status open(const std::string& path, unsigned mode, const std::string& group);
  void close();
  const std::string& path() const { return path_; }

 private:
  void do_accept();

  asio::io_context& io_;
  Logger& log_;
  Report report_;
  asio::local::stream_protocol::acceptor acceptor_;
  std::string path_;
  std::shared_ptr<int> clients_ = std::make_shared<int>(0);
};

}  // namespace ivy::daemon
