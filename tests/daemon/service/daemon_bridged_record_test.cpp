// End-to-end: a message a bus bridge re-emits is recorded on the destination
// bus as sent by ivyd itself, with its origin (Daemon::record_bridged), and
// `ivyctl query --format json` shows that origin.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "tests/daemon/ivyd_under_test.hpp"
#include "tests/daemon/process_support.hpp"
#include "tests/daemon/test_support.hpp"

namespace ivy::daemon::test {
namespace {

using ivy::test::bin_path;
using ivy::test::run_command;
using Kind = AgentEvent::Kind;

IvydUnderTest::Topology lab_to_ops(std::uint16_t lab, std::uint16_t ops) {
  return {R"("buses": [
      {"id": "lab", "spec": "127.255.255.255:)" + std::to_string(lab) + R"(", "name": "ivyd-lab"},
      {"id": "ops", "spec": "127.255.255.255:)" + std::to_string(ops) + R"(", "name": "ivyd-ops"}],
    "bridges": [{"id": "lab-ops", "type": "bus", "bus": "lab", "peer_bus": "ops", "direction": "out",
                 "include": ["^TELEMETRY "]}])"};
}

TEST(DaemonBridgedRecord, RecordsReEmittedMessagesWithTheirOrigin) {
  const auto lab = unique_bus_port();
  const auto ops = unique_bus_port();
  IvydUnderTest ivyd(lab_to_ops(lab, ops), IvydSetup{});
  ASSERT_TRUE(ivyd.start()) << ivyd.log();

  asio::io_context io;
  Logger log(LogLevel::kError, Logger::Style::kPlain);
  TestAgent sender(io, log, "PROBE", lab);
  TestAgent receiver(io, log, "CONSOLE", ops);
  ASSERT_TRUE(receiver->subscribe("^TELEMETRY (.*)").ok());
  ASSERT_TRUE(sender->start().ok());
  ASSERT_TRUE(receiver->start().ok());
  // ivyd-ops knows CONSOLE's subscription once CONSOLE sees ivyd's tap.
  ASSERT_TRUE(run_until(io, [&] { return sender->peers().size() == 1 && peer_subscriptions(*sender) >= 1 &&
                                         receiver->peers().size() == 1 && peer_subscriptions(*receiver) >= 1; },
                        5000ms));
  run_for(io, 200ms);
  EXPECT_GE(*sender->send("TELEMETRY 42"), 1u);
  ASSERT_TRUE(run_until(io, [&] { return receiver.events.count(Kind::kMessage) == 1; }, 5000ms))
      << ivyd.log();

  EXPECT_EQ(ivyd.stop(), std::optional<int>(0)) << ivyd.log();

  std::string out;
  ASSERT_EQ(run_command({bin_path("ivyctl"), "query", "--db", ivyd.db_path(), "--kind", "msg", "--match",
                         "^TELEMETRY", "--format", "json"},
                        &out),
            0);
  std::vector<nlohmann::json> entries;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) entries.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(entries.size(), 2u) << out;  // first-hand on lab, re-emitted on ops
  const auto& first_hand = entries[0];
  EXPECT_EQ(first_hand["agent"]["name"], "PROBE");
  EXPECT_FALSE(first_hand.contains("origin"));
  const auto& bridged = entries[1];
  EXPECT_EQ(bridged["text"], "TELEMETRY 42");
  EXPECT_EQ(bridged["agent"]["name"], "ivyd");
  EXPECT_EQ(bridged["origin"]["bus"], "lab");
  EXPECT_EQ(bridged["origin"]["agent"], "PROBE");
  ASSERT_EQ(bridged["receivers"].size(), 1u) << out;
  EXPECT_EQ(bridged["receivers"][0]["name"], "CONSOLE");
}

}  // namespace
}  // namespace ivy::daemon::test
