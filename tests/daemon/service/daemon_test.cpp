// End-to-end tests of the real ivyd executable (daemon/service/daemon.cpp and
// daemon/main.cpp): it joins a loopback bus, records, answers `ivyctl
// status`, reloads on SIGHUP and stops cleanly on SIGTERM.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>

#include "daemon/ivyctl/daemon_socket.hpp"
#include "tests/daemon/ivyd_under_test.hpp"
#include "tests/daemon/process_support.hpp"
#include "tests/daemon/test_support.hpp"

namespace ivy::daemon::test {
namespace {

using ivy::test::bin_path;
using ivy::test::eventually;
using ivy::test::run_command;
using ivy::test::TempDir;
using ivy::test::write_text_file;
using Kind = AgentEvent::Kind;

IvydSetup debug_setup() {
  IvydSetup setup;
  setup.log_level = "debug";
  return setup;
}

// A second bus, and a bridge from main to it.
IvydSetup with_second_bus(std::uint16_t second_port) {
  IvydSetup setup = debug_setup();
  setup.more_buses = R"({"id": "second", "spec": "127.255.255.255:)" + std::to_string(second_port) +
                     R"(", "name": "ivyd-test2", "record": false})";
  setup.bridges = R"({"id": "main-to-second", "type": "bus", "bus": "main", "peer_bus": "second",
                      "direction": "out"})";
  return setup;
}

std::size_t peers_on_first_bus(const nlohmann::json& status) {
  if (!status.is_object() || status["buses"].empty()) return 0;
  return status["buses"][0]["peers"].size();
}

TEST(Daemon, RecordsTrafficAnswersStatusReloadsAndStopsCleanly) {
  const auto port = unique_bus_port();
  IvydUnderTest ivyd(port, debug_setup());
  ASSERT_TRUE(ivyd.start()) << ivyd.log();

  asio::io_context io;
  Logger log(LogLevel::kError, Logger::Style::kPlain);
  TestAgent receiver(io, log, "RECV", port);
  TestAgent sender(io, log, "SENDER", port);
  ASSERT_TRUE(receiver->subscribe("^hello (\\d+)").ok());
  ASSERT_TRUE(receiver->start().ok());
  ASSERT_TRUE(sender->start().ok());
  // The sender sees both the receiver and ivyd (and ivyd's "(.*)").
  ASSERT_TRUE(run_until(io, [&] { return sender->peers().size() == 2 && peer_subscriptions(*sender) == 2; }, 5000ms));

  constexpr int kMessages = 50;
  for (int i = 0; i < kMessages; ++i) EXPECT_EQ(*sender->send("hello " + std::to_string(i)), 2u);
  ASSERT_TRUE(run_until(io, [&] { return receiver.events.count(Kind::kMessage) == kMessages; }));

  const auto status = ivyd.status();
  ASSERT_TRUE(status.is_object());
  EXPECT_EQ(peers_on_first_bus(status), 2u);
  EXPECT_EQ(status["buses"][0]["spec"], "127.255.255.255:" + std::to_string(port));
  EXPECT_TRUE(status["recorder"]["enabled"].get<bool>());

  // SIGHUP with a second bus and a bridge to it: the first bus's links stay
  // up, and the bridge carries main's traffic onto the second bus.
  const auto second_port = unique_bus_port();
  ivyd.reconfigure(port, with_second_bus(second_port));
  ivyd.reload();
  ASSERT_TRUE(eventually([&] {
    const auto s = ivyd.status();
    return s.is_object() && s["buses"].size() == 2 && s["bridges"].size() == 1;
  })) << ivyd.log();
  TestAgent far(io, log, "FAR", second_port);
  ASSERT_TRUE(far->subscribe("^bridged (.*)").ok());
  ASSERT_TRUE(far->start().ok());
  ASSERT_TRUE(run_until(io, [&] { return far.events.count(Kind::kConnected) >= 1; }, 5000ms));
  run_for(io, 300ms);  // the bridge learns FAR's subscription
  bool arrived = false;
  for (int attempt = 0; attempt < 20 && !arrived; ++attempt) {
    (void)sender->send("bridged hop");
    arrived = run_until(io, [&] { return far.events.count(Kind::kMessage) >= 1; }, 250ms);
  }
  EXPECT_TRUE(arrived) << ivyd.log();
  EXPECT_EQ(receiver.events.count(Kind::kDisconnected, "ivyd-test"), 0u);

  // SIGTERM: BYE to every peer, database closed, exit 0.
  ivyd.process().signal(SIGTERM);
  ASSERT_TRUE(run_until(io, [&] { return receiver.events.count(Kind::kDisconnected, "ivyd-test") == 1; }, 5000ms));
  EXPECT_EQ(receiver.events.of(Kind::kDisconnected).front().reason, CloseReason::kBye);
  EXPECT_EQ(ivyd.process().wait_for(5000ms), std::optional<int>(0)) << ivyd.log();

  std::string out;
  ASSERT_EQ(run_command({bin_path("ivyctl"), "query", "--db", ivyd.db_path(), "--kind", "msg", "--match",
                         "^hello", "--format", "json"},
                        &out),
            0);
  std::istringstream lines(out);
  int recorded = 0;
  for (std::string line; std::getline(lines, line);) {
    const auto entry = nlohmann::json::parse(line);
    EXPECT_EQ(entry["agent"]["name"], "SENDER");
    ASSERT_EQ(entry["receivers"].size(), 1u) << line;
    EXPECT_EQ(entry["receivers"][0]["name"], "RECV");
    EXPECT_EQ(entry["text"], "hello " + std::to_string(recorded));
    ++recorded;
  }
  EXPECT_EQ(recorded, kMessages);

  // The control plane: both agents joined (and, at our shutdown, left), and
  // the receiver's subscription is there.
  ASSERT_EQ(run_command({bin_path("ivyctl"), "query", "--db", ivyd.db_path(), "--kind", "join,leave,bind",
                         "--format", "json"},
                        &out),
            0);
  std::map<std::string, int> control;
  std::istringstream control_lines(out);
  for (std::string line; std::getline(control_lines, line);) {
    const auto entry = nlohmann::json::parse(line);
    const std::string key = entry["kind"].get<std::string>() + " " + entry["agent"]["name"].get<std::string>();
    ++control[key];
    if (key == "bind RECV") {
      EXPECT_EQ(entry["pattern"], "^hello (\\d+)");
    }
  }
  EXPECT_EQ(control["join RECV"], 1) << out;
  EXPECT_EQ(control["join SENDER"], 1);
  EXPECT_EQ(control["bind RECV"], 1);
  EXPECT_EQ(control["leave RECV"], 1);
  EXPECT_EQ(control["leave SENDER"], 1);

  // The recordings table names the configuration it was made with.
  ASSERT_EQ(run_command({bin_path("ivyctl"), "info", "--db", ivyd.db_path()}, &out), 0);
  EXPECT_NE(out.find("config fnv1a64:"), std::string::npos) << out;
}

TEST(Daemon, StatusSocketAnswersStatusRequestsAndNamesAnUnknownOne) {
  IvydUnderTest ivyd(unique_bus_port(), IvydSetup{});
  ASSERT_TRUE(ivyd.start()) << ivyd.log();
  auto status = ctl::ask_daemon(ivyd.socket_path(), "status");
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_TRUE(nlohmann::json::parse(*status, nullptr, false).contains("buses")) << *status;
  auto unknown = ctl::ask_daemon(ivyd.socket_path(), "frobnicate the bus");
  ASSERT_TRUE(unknown) << unknown.error().message;
  EXPECT_EQ(nlohmann::json::parse(*unknown, nullptr, false)["error"], "unknown request 'frobnicate'") << *unknown;
  EXPECT_TRUE(ivyd.running());
}

TEST(Daemon, BadConfigExitsWith78AndNamesEveryProblem) {
  TempDir dir;
  write_text_file(dir.file("bad.json"),
                  R"({"buses": [{"id": "a", "spec": "127.0.0:99999"}], "recoder": {}})");
  std::string out;
  std::string err;
  EXPECT_EQ(run_command({bin_path("ivyd"), "--config", dir.file("bad.json")}, &out, &err), 78);
  EXPECT_NE(err.find("buses[0].spec"), std::string::npos) << err;
  EXPECT_NE(err.find("port out of range"), std::string::npos) << err;
  EXPECT_NE(err.find("recorder"), std::string::npos) << err;  // the did-you-mean
}

TEST(Daemon, CheckConfigAcceptsThePackagedExample) {
  std::string out;
  EXPECT_EQ(run_command({bin_path("ivyd"), "--check-config", "--config", std::string(IVYD_SOURCE_DIR) + "/packaging/ivyd.json"},
                        &out),
            0);
  EXPECT_NE(out.find("configuration OK"), std::string::npos);
}

TEST(Daemon, MissingExplicitConfigFileExitsWith78) {
  std::string err;
  EXPECT_EQ(run_command({bin_path("ivyd"), "--config", "/nonexistent/ivyd.json"}, nullptr, &err), 78);
  EXPECT_NE(err.find("/nonexistent/ivyd.json"), std::string::npos) << err;
}

TEST(Daemon, UnknownOptionExitsWith64) {
  std::string err;
  EXPECT_EQ(run_command({bin_path("ivyd"), "--no-such-option"}, nullptr, &err), 64);
  EXPECT_NE(err.find("no-such-option"), std::string::npos) << err;
}

}  // namespace
}  // namespace ivy::daemon::test
