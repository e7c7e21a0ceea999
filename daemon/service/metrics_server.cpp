#include "daemon/service/metrics_server.hpp"

#include <chrono>
#include <exception>
#include <future>
#include <mutex>

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>

#include "daemon/asio.hpp"

namespace ivy::daemon {
namespace {

// civetweb: two threads are plenty for a scraper or two; a client that
// stalls mid-request is cut after the timeout instead of holding a thread.
constexpr const char* kThreads = "2";
constexpr const char* kRequestTimeoutMs = "10000";

// civetweb's own failure ("null context when constructing CivetServer") does
// not say why: binding a socket ourselves does.
std::string why_cannot_listen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  error_code ec;
  const auto address = asio::ip::make_address_v4(listen.substr(0, colon), ec);
  if (ec) return ec.message();
  asio::io_context io;
  tcp::acceptor acceptor(io);
  acceptor.open(tcp::v4(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(tcp::endpoint(address, static_cast<std::uint16_t>(std::stoul(listen.substr(colon + 1)))), ec);
  return ec ? ec.message() : "the HTTP server did not start";
}

// Opens and closes a connection to the endpoint: civetweb's accept loop
// wakes up and sees it must stop.
void poke(const tcp::endpoint& endpoint) {
  asio::io_context io;
  tcp::socket socket(io);
  error_code ignored;
  socket.connect(endpoint, ignored);
}

}  // namespace

class MetricsServer::Snapshot final : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override {
    std::lock_guard lock(mutex_);
    return families_;
  }
  void replace(std::vector<prometheus::MetricFamily> families) {
    std::lock_guard lock(mutex_);
    families_.swap(families);  // the old ones are freed outside the lock
  }

 private:
  mutable std::mutex mutex_;
  std::vector<prometheus::MetricFamily> families_;
};

MetricsServer::MetricsServer() : snapshot_(std::make_shared<Snapshot>()) {}

MetricsServer::~MetricsServer() { close(); }

Status MetricsServer::open(const std::string& listen) {
  close();
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(std::vector<std::string>{
        "listening_ports", listen, "num_threads", kThreads, "request_timeout_ms", kRequestTimeoutMs});
  } catch (const std::exception&) {
    return fail("cannot serve metrics on " + listen + ": " + why_cannot_listen(listen));
  }
  exposer_->RegisterCollectable(snapshot_);
  const auto ports = exposer_->GetListeningPorts();
  const auto port = static_cast<std::uint16_t>(ports.empty() ? 0 : ports.front());
  address_ = listen.substr(0, listen.rfind(':')) + ":" + std::to_string(port);
  auto host = asio::ip::make_address_v4(listen.substr(0, listen.rfind(':')));
  if (host.is_unspecified()) host = asio::ip::address_v4::loopback();
  endpoint_ = tcp::endpoint(host, port);
  return {};
}

// civetweb's stop waits for its accept loop, which polls the listening
// socket 2 s at a time: the exposer is destroyed on a helper thread while
// this one pokes the socket until it is done (about 10 ms instead of up to
// 2 s of a stalled bus on every stop and reload).
void MetricsServer::close() {
  if (!exposer_) return;
  auto stopped = std::async(std::launch::async, [exposer = std::move(exposer_)]() mutable { exposer.reset(); });
  while (stopped.wait_for(std::chrono::milliseconds(5)) != std::future_status::ready) poke(endpoint_);
  address_.clear();
}

void MetricsServer::publish(std::vector<prometheus::MetricFamily> families) { snapshot_->replace(std::move(families)); }

}  // namespace ivy::daemon
