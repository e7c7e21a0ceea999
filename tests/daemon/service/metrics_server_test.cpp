// MetricsServer (daemon/service/metrics_server.hpp) in-process: what is
// published is what a scrape over HTTP reads, whatever thread publishes; a
// taken port is a failure that says so; close() stops serving.
#include "daemon/service/metrics_server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "daemon/service/metric_set.hpp"
#include "tests/daemon/metrics_scrape.hpp"

namespace ivy::daemon::test {
namespace {

std::vector<prometheus::MetricFamily> two_gauges(double value) {
  MetricSet set;
  set.gauge("ivyd_test_a", "a", {{"bus", "main"}}, value);
  set.gauge("ivyd_test_b", "b", {{"bus", "main"}}, value);
  set.counter("ivyd_test_total", "t", {{"bus", "main"}}, value);
  return set.take();
}

TEST(MetricsServer, ServesWhatWasLastPublished) {
  MetricsServer server;
  ASSERT_TRUE(server.open("127.0.0.1:0").ok());
  ASSERT_EQ(server.address().rfind("127.0.0.1:", 0), 0u) << server.address();
  EXPECT_NE(server.address(), "127.0.0.1:0");
  server.publish(two_gauges(3));
  auto scrape = scrape_metrics(server.address());
  ASSERT_TRUE(scrape);
  EXPECT_EQ(scrape->value(R"(ivyd_test_total{bus="main"})"), 3);
  EXPECT_EQ(scrape->types["ivyd_test_total"], "counter");
  EXPECT_EQ(scrape->types["ivyd_test_a"], "gauge");
  server.publish(two_gauges(4));
  scrape = scrape_metrics(server.address());
  ASSERT_TRUE(scrape);
  EXPECT_EQ(scrape->value(R"(ivyd_test_a{bus="main"})"), 4);
}

TEST(MetricsServer, AnswersInTheTextFormatAndOnlyOnMetrics) {
  MetricsServer server;
  ASSERT_TRUE(server.open("127.0.0.1:0").ok());
  server.publish(two_gauges(1));
  const auto reply = http_get(server.address(), "/metrics");
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
  EXPECT_NE(reply->headers.find("Content-Type: text/plain"), std::string::npos) << reply->headers;
  const auto other = http_get(server.address(), "/");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 404);
}

TEST(MetricsServer, ATakenPortIsAFailureThatSaysWhy) {
  asio::io_context io;
  tcp::acceptor taken(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const std::string listen = "127.0.0.1:" + std::to_string(taken.local_endpoint().port());
  MetricsServer server;
  const auto st = server.open(listen);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "cannot serve metrics on " + listen + ": Address already in use");
  EXPECT_EQ(server.address(), "");
}

TEST(MetricsServer, CloseStopsServing) {
  MetricsServer server;
  ASSERT_TRUE(server.open("127.0.0.1:0").ok());
  const std::string address = server.address();
  ASSERT_TRUE(http_get(address, "/metrics"));
  server.close();
  EXPECT_EQ(server.address(), "");
  EXPECT_FALSE(http_get(address, "/metrics"));
  server.close();  // twice is harmless
}

TEST(MetricsServer, EveryScrapeIsOneWholePublication) {
  MetricsServer server;
  ASSERT_TRUE(server.open("127.0.0.1:0").ok());
  server.publish(two_gauges(0));
  std::atomic<bool> done{false};
  std::thread publisher([&] {
    for (int i = 1; !done; ++i) server.publish(two_gauges(i));
  });
  for (int i = 0; i < 50; ++i) {
    const auto scrape = scrape_metrics(server.address());
    ASSERT_TRUE(scrape);
    EXPECT_EQ(scrape->value(R"(ivyd_test_a{bus="main"})"), scrape->value(R"(ivyd_test_b{bus="main"})"));
    EXPECT_EQ(scrape->value(R"(ivyd_test_a{bus="main"})"), scrape->value(R"(ivyd_test_total{bus="main"})"));
  }
  done = true;
  publisher.join();
}

}  // namespace
}  // namespace ivy::daemon::test
