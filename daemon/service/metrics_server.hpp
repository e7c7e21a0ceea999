#pragma once
// MetricsServer: the Prometheus endpoint, `GET /metrics` in the text
// exposition format, served by prometheus-cpp's Exposer (civetweb).
//
// Threads. civetweb answers scrapes on threads of its own, while all bus
// state lives on the io_context thread without locks. So a scrape never
// reads bus state: the io thread builds the metric families (MetricSet) once
// a tick and publish()es them, and a scrape copies the latest published
// families. The two share nothing but that vector, under a mutex held for a
// swap or a copy. A scrape is therefore at most one publish old (ivyd
// publishes every second), and neither side ever waits for the other. (A
// collector that posted to the io_context and waited would tie every scrape
// to the loop's latency, and could deadlock: close() joins civetweb's
// threads, from the io thread, while one of them waited for that thread.)
//
// Lifetime: open() starts serving, close() (and the destructor) stops and
// joins civetweb's threads (in about 10 ms: see close()). Called from one thread (the daemon's), except
// publish(), which is safe from any.

#include <memory>
#include <string>
#include <vector>

#include <prometheus/metric_family.h>

#include "core/result.hpp"
#include "daemon/asio.hpp"

namespace prometheus {
class Exposer;
}

namespace ivy::daemon {

class MetricsServer {
 public:
  MetricsServer();
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Serves on `listen`, "a.b.c.d:port" (config/address_check.hpp; port 0:
  // any free port). Closes what was open first. A failure (address in use,
  // not an address of this host) says why and leaves nothing serving.
  Status open(const std::string& listen);
  void close();

  // Where it serves, "127.0.0.1:9643" with the port actually bound; "" when
  // closed.
  const std::string& address() const { return address_; }

  // What the next scrapes answer. Thread-safe.
  void publish(std::vector<prometheus::MetricFamily> families);

 private:
  class Snapshot;

  std::shared_ptr<Snapshot> snapshot_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::string address_;
  tcp::endpoint endpoint_;  // where close() pokes it
};

}  // namespace ivy::daemon
