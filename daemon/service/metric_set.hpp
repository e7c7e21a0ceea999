#pragma once
// MetricSet: the metrics of one moment, built up sample by sample and handed
// to the MetricsServer as Prometheus metric families.
//
//   MetricSet set;
//   set.counter("ivyd_frames_sent_total", "MSG frames queued to peers", {{"bus", "main"}}, 42);
//   set.gauge("ivyd_peers", "Peers linked now", {{"bus", "main"}}, 3);
//   server.publish(set.take());
//
// Samples of one name go into one family, in the order added; the first call
// for a name fixes its help text and type. Names follow Prometheus
// conventions (snake_case, `ivyd_` prefix, counters end in `_total`, units
// in the name): the callers hold them, see daemon_metrics.cpp.
//
// A plain value: no locks, no I/O.

#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <prometheus/metric_family.h>

namespace ivy::daemon {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class MetricSet {
 public:
  void counter(std::string_view name, std::string_view help, const MetricLabels& labels, double value);
  void gauge(std::string_view name, std::string_view help, const MetricLabels& labels, double value);

  const std::vector<prometheus::MetricFamily>& families() const { return families_; }
  std::vector<prometheus::MetricFamily> take();

 private:
  prometheus::ClientMetric& add(std::string_view name, std::string_view help, prometheus::MetricType type,
                                const MetricLabels& labels);

  std::vector<prometheus::MetricFamily> families_;
  std::unordered_map<std::string, std::size_t> index_;  // name -> families_ position
};

}  // namespace ivy::daemon
