#include "daemon/service/metric_set.hpp"

#include <gtest/gtest.h>

namespace ivy::daemon {
namespace {

TEST(MetricSet, SamplesOfOneNameShareAFamilyInTheOrderAdded) {
  MetricSet set;
  set.counter("ivyd_frames_sent_total", "frames", {{"bus", "a"}}, 1);
  set.gauge("ivyd_peers", "peers", {{"bus", "a"}}, 2);
  set.counter("ivyd_frames_sent_total", "frames", {{"bus", "b"}}, 3);
  const auto& families = set.families();
  ASSERT_EQ(families.size(), 2u);
  EXPECT_EQ(families[0].name, "ivyd_frames_sent_total");
  EXPECT_EQ(families[0].type, prometheus::MetricType::Counter);
  ASSERT_EQ(families[0].metric.size(), 2u);
  EXPECT_EQ(families[0].metric[0].label.at(0).value, "a");
  EXPECT_EQ(families[0].metric[0].counter.value, 1);
  EXPECT_EQ(families[0].metric[1].label.at(0).value, "b");
  EXPECT_EQ(families[0].metric[1].counter.value, 3);
  EXPECT_EQ(families[1].name, "ivyd_peers");
  EXPECT_EQ(families[1].type, prometheus::MetricType::Gauge);
  EXPECT_EQ(families[1].metric.at(0).gauge.value, 2);
}

TEST(MetricSet, FirstCallForANameFixesItsHelp) {
  MetricSet set;
  set.gauge("ivyd_peers", "first", {}, 1);
  set.gauge("ivyd_peers", "second", {}, 2);
  ASSERT_EQ(set.families().size(), 1u);
  EXPECT_EQ(set.families()[0].help, "first");
}

TEST(MetricSet, LabelsKeepTheirOrder) {
  MetricSet set;
  set.gauge("ivyd_peer_queued_bytes", "q", {{"bus", "main"}, {"peer", "A"}, {"address", "127.0.0.1:1"}}, 0);
  const auto& labels = set.families().at(0).metric.at(0).label;
  ASSERT_EQ(labels.size(), 3u);
  EXPECT_EQ(labels[0].name, "bus");
  EXPECT_EQ(labels[1].name, "peer");
  EXPECT_EQ(labels[2].name, "address");
}

TEST(MetricSet, TakeEmptiesTheSet) {
  MetricSet set;
  set.gauge("ivyd_peers", "p", {}, 1);
  EXPECT_EQ(set.take().size(), 1u);
  EXPECT_TRUE(set.families().empty());
  set.gauge("ivyd_peers", "p", {}, 2);  // a fresh family, not the old index
  ASSERT_EQ(set.families().size(), 1u);
  EXPECT_EQ(set.families()[0].metric.size(), 1u);
}

}  // namespace
}  // namespace ivy::daemon
