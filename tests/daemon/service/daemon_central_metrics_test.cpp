// The shipper's figures on the real ivyd's Prometheus endpoint
// (daemon/service/daemon_metrics.cpp, add_central): shipped rows, backlog,
// errors, last batch, labelled by site; none without `central`.
#include <gtest/gtest.h>

#include "tests/daemon/hostile_input_support.hpp"
#include "tests/daemon/metrics_scrape.hpp"
#include "tests/storage/pg_test_server.hpp"

namespace ivy::daemon::test {
namespace {

using namespace std::chrono_literals;
using storage::testing::PgTestDatabase;

IvydSetup setup(const std::string& central) {
  IvydSetup s;
  s.more = R"("metrics": {"listen": "127.0.0.1:0"})";
  if (!central.empty()) s.more += R"(, "central": )" + central;
  return s;
}

class DaemonCentralMetrics : public ::testing::Test {
 protected:
  // Scrapes until `done` holds (ivyd publishes once a second); the last
  // scrape, nullopt if none answered.
  std::optional<Scrape> scrape_until(IvydUnderTest& ivyd,
                                     const std::function<bool(const Scrape&)>& done) {
    std::optional<Scrape> last;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto status = ivyd.status();
      const std::string address = status.is_object() ? status["metrics"].value("address", "") : "";
      if (!address.empty()) last = scrape_metrics(address);
      if (last && done(*last)) return last;
      run_for(io_, 100ms);
    }
    return last;
  }

  asio::io_context io_;
  Logger log_{LogLevel::kError, Logger::Style::kPlain};
};

TEST_F(DaemonCentralMetrics, ShowShippedRowsAndTheBacklogPerSite) {
  PgTestDatabase db;
  ASSERT_EQ(db.error(), "");
  const auto port = unique_bus_port();
  IvydUnderTest ivyd(
      port, setup(R"({"url": ")" + db.url() + R"(", "site": "lab", "batch_interval_ms": 50})"));
  HealthyPair healthy(io_, log_, port);
  ASSERT_TRUE(ivyd.start()) << ivyd.log();
  ASSERT_TRUE(healthy.start());
  healthy.send(25);
  ASSERT_TRUE(healthy.all_received());
  const auto scrape = scrape_until(ivyd, [](const Scrape& s) {
    return s.value(R"(ivyd_central_shipped_messages_total{site="lab"})") >= 25 &&
           s.value(R"(ivyd_central_backlog_rows{site="lab"})") == 0;
  });
  ASSERT_TRUE(scrape) << ivyd.log();
  EXPECT_GE(scrape->value(R"(ivyd_central_shipped_messages_total{site="lab"})"), 25) << ivyd.log();
  EXPECT_EQ(scrape->value(R"(ivyd_central_backlog_rows{site="lab"})"), 0);
  EXPECT_GT(scrape->value(R"(ivyd_central_shipped_rows_total{site="lab"})"),
            scrape->value(R"(ivyd_central_shipped_messages_total{site="lab"})"))
      << "rows count the events (joins, binds) too";
  EXPECT_GE(scrape->value(R"(ivyd_central_batches_total{site="lab"})"), 1);
  EXPECT_EQ(scrape->value(R"(ivyd_central_connected{site="lab"})"), 1);
  EXPECT_EQ(scrape->value(R"(ivyd_central_errors_total{site="lab"})"), 0);
  EXPECT_GT(scrape->value(R"(ivyd_central_last_shipped_timestamp_seconds{site="lab"})"), 1e9);
  EXPECT_EQ(scrape->types.at("ivyd_central_shipped_rows_total"), "counter");
  EXPECT_EQ(scrape->types.at("ivyd_central_backlog_rows"), "gauge");
}

TEST_F(DaemonCentralMetrics, CountErrorsWhileTheStoreIsUnreachable) {
  const auto port = unique_bus_port();
  // Port 1 (tcpmux): nobody listens there on a test machine.
  IvydUnderTest ivyd(port,
                     setup(R"({"url": "postgresql://postgres@127.0.0.1:1/x", "site": "lab"})"));
  ASSERT_TRUE(ivyd.start()) << ivyd.log();
  const auto scrape = scrape_until(ivyd, [](const Scrape& s) {
    return s.value(R"(ivyd_central_errors_total{site="lab"})") >= 1;
  });
  ASSERT_TRUE(scrape) << ivyd.log();
  EXPECT_GE(scrape->value(R"(ivyd_central_errors_total{site="lab"})"), 1) << ivyd.log();
  EXPECT_EQ(scrape->value(R"(ivyd_central_connected{site="lab"})"), 0);
  EXPECT_FALSE(scrape->has(R"(ivyd_central_backlog_rows{site="lab"})"))
      << "unknown before the store was reached";
  EXPECT_EQ(scrape->value(R"(ivyd_central_shipped_rows_total{site="lab"})"), 0);
}

TEST_F(DaemonCentralMetrics, NoneWithoutCentral) {
  IvydUnderTest ivyd(unique_bus_port(), setup(""));
  ASSERT_TRUE(ivyd.start()) << ivyd.log();
  const auto scrape =
      scrape_until(ivyd, [](const Scrape& s) { return s.has("ivyd_uptime_seconds"); });
  ASSERT_TRUE(scrape) << ivyd.log();
  for (const auto& [name, type] : scrape->types)
    EXPECT_NE(name.rfind("ivyd_central_", 0), 0u) << name;
}

}  // namespace
}  // namespace ivy::daemon::test
