#include "daemon/service/metric_set.hpp"

namespace ivy::daemon {

void MetricSet::counter(std::string_view name, std::string_view help, const MetricLabels& labels, double value) {
  add(name, help, prometheus::MetricType::Counter, labels).counter.value = value;
}

void MetricSet::gauge(std::string_view name, std::string_view help, const MetricLabels& labels, double value) {
  add(name, help, prometheus::MetricType::Gauge, labels).gauge.value = value;
}

std::vector<prometheus::MetricFamily> MetricSet::take() {
  index_.clear();
  return std::exchange(families_, {});
}

prometheus::ClientMetric& MetricSet::add(std::string_view name, std::string_view help, prometheus::MetricType type,
                                         const MetricLabels& labels) {
  auto [it, fresh] = index_.try_emplace(std::string(name), families_.size());
  if (fresh) families_.push_back(prometheus::MetricFamily{std::string(name), std::string(help), type, {}});
  auto& metric = families_[it->second].metric.emplace_back();
  for (const auto& [label, value] : labels) metric.label.push_back({label, value});
  return metric;
}

}  // namespace ivy::daemon
