#pragma once
// StatusServer: the live status Unix socket `ivyctl status`, `ivyctl who`
// and the other ivyctl commands that ask the running daemon talk to.
//
// Protocol, one exchange per connection:
//   client: one request line, "<verb>[ <argument>]\n" (at most
//           kMaxRequestBytes), then it may half-close;
//   server: one JSON document followed by LF, then it closes.
// The answer comes from a callback run on the event loop with the request
// line (without its LF), so it reflects the state between two events. A
// client that closes without a line gets the answer to "" (the status). A
// request line that is too long is answered {"error": ...}. A client that
// neither asks nor reads is cut after a timeout; the number of clients at
// once is bounded.
//
// The socket file is created with the configured mode (default 0660) and
// group (default "ivyd"), replacing a stale file left by a crash.

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "daemon/asio.hpp"
#include "daemon/log.hpp"

namespace ivy::daemon {

class StatusServer {
 public:
  // Answers one request line; returns a JSON document.
  using Report = std::function<std::string(std::string_view request)>;
  static constexpr std::size_t kMaxRequestBytes = 64 * 1024;

  StatusServer(asio::io_context& io, Logger& log, Report report);
  ~StatusServer();

  Status open(const std::string& path, unsigned mode, const std::string& group);
  void close();
  const std::string& path() const { return path_; }

 private:
  void do_accept();

  asio::io_context& io_;
  Logger& log_;
  // Shared with the clients, which hold it weakly: a client that finishes
  // reading its request after the server is gone gets no answer.
  std::shared_ptr<const Report> report_;
  asio::local::stream_protocol::acceptor acceptor_;
  std::string path_;
  std::shared_ptr<int> clients_ = std::make_shared<int>(0);
};

}  // namespace ivy::daemon
