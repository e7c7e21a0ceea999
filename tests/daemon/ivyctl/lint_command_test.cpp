// `ivyctl lint` end to end: on recordings written by the real SqliteRecorder,
// and live against a real ivyd with real agents on its bus
// (daemon/ivyctl/lint_command.cpp, the daemon's "subscriptions" answer).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "daemon/ivyctl/daemon_socket.hpp"
#include "tests/daemon/ivyctl/recording_support.hpp"
#include "tests/daemon/ivyd_under_test.hpp"
#include "tests/daemon/process_support.hpp"
#include "tests/daemon/test_support.hpp"

namespace ivy::ctl::test {
namespace {

using namespace std::chrono_literals;
using ivy::test::bin_path;
using ivy::test::run_command;
using ivy::test::TempDir;

struct LintRun {
  int code = -1;
  std::string out;
  std::string err;
};

LintRun lint(const std::vector<std::string>& args) {
  LintRun r;
  std::vector<std::string> argv{bin_path("ivyctl"), "lint"};
  argv.insert(argv.end(), args.begin(), args.end());
  r.code = run_command(argv, &r.out, &r.err, 30s);
  return r;
}

// ALPHA sends "pos 0".."pos 4" to BETA#1 (^pos) and GAMMA#0 ((.*)); DELTA
// holds two patterns nothing matched, one of them a backtracking trap.
std::vector<storage::Record> lint_records() {
  std::vector<storage::Record> r{join(1, "ALPHA", 0),        join(2, "BETA", 0),
                                 join(3, "GAMMA", 0),        join(4, "DELTA", 0),
                                 bind(2, 1, "^pos (.*)", 1), bind(3, 0, "(.*)", 1),
                                 bind(4, 2, "^never$", 1),   bind(4, 3, "^Move (\\w+\\s?)+$", 1)};
  for (int i = 0; i < 5; ++i)
    r.push_back(message(1, "pos " + std::to_string(i), 10 + i, {{2, 1}, {3, 0}}));
  return r;
}

TEST(LintCommand, RecordingReportsEveryCheckAndExitsOne) {
  TempDir dir;
  write_recording(dir.file("rec.db"), lint_records());
  const LintRun r = lint({"--db", dir.file("rec.db")});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("ivyctl lint: 4 subscriptions, 4 patterns, 3 agents (recording, " +
                       dir.file("rec.db") + ")"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\nbacktracking - patterns prone to catastrophic backtracking (1)\n"
                       "  '^Move (\\w+\\s?)+$'  DELTA#3\n      exponential backtracking"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\ncatch-all - agents subscribed to every message (1)\n  '(.*)'  GAMMA#0\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(
      r.out.find(
          "\nnever-matched - patterns nothing was delivered through (2)\n  '^never$'  DELTA#2\n"),
      std::string::npos)
      << r.out;
  EXPECT_NE(
      r.out.find(
          "\nmost-matched - the most-matched patterns, for information (2)\n  '^pos (.*)'  BETA#1\n"
          "      5 deliveries\n  '(.*)'  GAMMA#0\n      5 deliveries\n"),
      std::string::npos)
      << r.out;
  EXPECT_NE(
      r.out.find("\n4 problems in 3 patterns (backtracking 1, catch-all 1, never-matched 2)\n"),
      std::string::npos)
      << r.out;
  EXPECT_EQ(r.err, "");
}

TEST(LintCommand, RecordingAsJson) {
  TempDir dir;
  write_recording(dir.file("rec.db"), lint_records());
  const LintRun r = lint({"--db", dir.file("rec.db"), "--json"});
  EXPECT_EQ(r.code, 1) << r.err;
  const auto doc = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << r.out;
  EXPECT_EQ(doc["source"], "recording");
  EXPECT_EQ(doc["clean"], false);
  EXPECT_EQ(doc["problems"], 4);
  int most = 0;
  for (const auto& f : doc["findings"]) {
    if (f["check"] == "most-matched") {
      ++most;
      EXPECT_EQ(f["matches"], 5);
    }
  }
  EXPECT_EQ(most, 2);
}

TEST(LintCommand, CleanRecordingExitsZero) {
  TempDir dir;
  write_recording(dir.file("rec.db"), {join(1, "A", 0), join(2, "B", 0), bind(2, 1, "^pos (.*)", 1),
                                       message(1, "pos 1", 10, {{2, 1}})});
  const LintRun r = lint({"--db", dir.file("rec.db")});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("\nclean: no problems found\n"), std::string::npos) << r.out;
}

TEST(LintCommand, SkippedChecksLeaveACleanReport) {
  TempDir dir;
  write_recording(dir.file("rec.db"), sample_records());  // GAMMA holds (.*)
  EXPECT_EQ(lint({"--db", dir.file("rec.db")}).code, 1);
  const LintRun r = lint({"--db", dir.file("rec.db"), "--skip", "catch-all"});
  EXPECT_EQ(r.code, 0) << r.out;
}

TEST(LintCommand, BadUsageExitsTwoAndMissingRecordingOne) {
  TempDir dir;
  EXPECT_EQ(lint({"--live", "--db", dir.file("x.db")}).code, 2);
  const LintRun skip = lint({"--skip", "dialect,bogus"});
  EXPECT_EQ(skip.code, 2);
  EXPECT_NE(skip.err.find("unknown check 'bogus'"), std::string::npos) << skip.err;
  EXPECT_EQ(lint({"--bogus"}).code, 2);
  const LintRun missing = lint({"--db", dir.file("none.db")});
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("none.db"), std::string::npos) << missing.err;
  const LintRun no_daemon = lint({"--socket", dir.file("none.sock")});
  EXPECT_EQ(no_daemon.code, 1);
  EXPECT_NE(no_daemon.err.find("is ivyd running?"), std::string::npos) << no_daemon.err;
}

// --- live: a real ivyd and real agents ---------------------------------------------------

using daemon::test::IvydSetup;
using daemon::test::IvydUnderTest;
using daemon::test::RawPeer;
using daemon::test::TestAgent;

class LintCommandWithDaemon : public ::testing::Test {
 protected:
  static IvydSetup quiet() {
    IvydSetup setup;
    setup.log_level = "warning";
    return setup;
  }
  void SetUp() override { ASSERT_TRUE(ivyd_.start()) << ivyd_.log(); }
  void TearDown() override {
    if (ivyd_.running()) {
      EXPECT_EQ(ivyd_.stop(), std::optional<int>(0)) << ivyd_.log();
    }
  }

  // An agent on the bus holding `patterns`, linked to ivyd.
  TestAgent& agent(const std::string& name, const std::vector<std::string>& patterns) {
    agents_.push_back(std::make_unique<TestAgent>(io_, log_, name, port_));
    TestAgent& a = *agents_.back();
    for (const auto& p : patterns) EXPECT_TRUE(a->subscribe(p)) << p;
    EXPECT_TRUE(a->start().ok());
    return a;
  }

  // Runs lint until `done(stdout)` (ivyd learns subscriptions a moment after
  // the agents send them), letting the agents' loop run in between.
  LintRun lint_until(const std::vector<std::string>& args,
                     const std::function<bool(const LintRun&)>& done) {
    LintRun r;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    for (;;) {
      std::vector<std::string> all{"--socket", ivyd_.socket_path()};
      all.insert(all.end(), args.begin(), args.end());
      r = lint(all);
      if (done(r) || std::chrono::steady_clock::now() > deadline) break;
      daemon::test::run_for(io_, 100ms);
    }
    EXPECT_TRUE(done(r)) << r.out << r.err;
    return r;
  }

  std::uint16_t port_ = daemon::test::unique_bus_port();
  IvydUnderTest ivyd_{port_, quiet()};
  daemon::asio::io_context io_;
  daemon::Logger log_{daemon::LogLevel::kError, daemon::Logger::Style::kPlain};
  std::vector<std::unique_ptr<TestAgent>> agents_;
};

TEST_F(LintCommandWithDaemon, ReportsTheSubscriptionsOnTheBusNow) {
  for (const char* name : {"DISPLAY1", "DISPLAY2", "DISPLAY3"})
    agent(name, {"^TrackMovedEvent Flight=(\\d+)"});
  agent("PROBE", {"(.*)"});
  agent("SLOPPY", {"^Move (\\w+\\s?)+$", "Callsign=(?<cs>\\w+)"});
  const LintRun r = lint_until({}, [](const LintRun& run) {
    return run.out.find("SLOPPY#1") != std::string::npos &&
           run.out.find("DISPLAY3#0") != std::string::npos &&
           run.out.find("PROBE#0") != std::string::npos;
  });
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("ivyctl lint: 6 subscriptions, 4 patterns, 5 agents (live, " +
                       ivyd_.socket_path() + ")"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\nduplicate - identical subscriptions held by many agents (1)\n"
                       "  '^TrackMovedEvent Flight=(\\d+)'  DISPLAY"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("      held by 3 agents\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\ncatch-all - agents subscribed to every message (1)\n  '(.*)'  PROBE#0\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  '^Move (\\w+\\s?)+$'  SLOPPY#0\n      exponential backtracking"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  'Callsign=(?<cs>\\w+)'  SLOPPY#1\n      not anchored at the start"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("      (?<cs>: named group: Python's re only knows (?P<name>...)\n"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("never-matched"), std::string::npos) << "no counts live:\n" << r.out;
}

TEST_F(LintCommandWithDaemon, CleanBusExitsZero) {
  agent("CLEAN", {"^hello (.*)"});
  const LintRun r = lint_until({"--json"}, [](const LintRun& run) {
    return run.out.find("\"subscriptions\": 1") != std::string::npos;
  });
  EXPECT_EQ(r.code, 0) << r.out;
  const auto doc = nlohmann::json::parse(r.out, nullptr, false);
  EXPECT_EQ(doc["clean"], true) << r.out;
  EXPECT_EQ(doc["source"], "live");
}

// A peer's pattern that PCRE2 refuses: ivyd answered it with an ERROR and
// kept the link; lint names it and its holder.
TEST_F(LintCommandWithDaemon, NamesAPatternThatDoesNotCompile) {
  const std::uint16_t ivyd_port = ivyd_.tcp_port();
  ASSERT_NE(ivyd_port, 0);
  RawPeer raw(io_);
  raw.connect(ivyd_port);
  raw.write(daemon::test::frame(6, 9, "RAWBAD") + daemon::test::frame(1, 7, "^(abc") +
            daemon::test::frame(5, 0));
  const LintRun r = lint_until(
      {}, [](const LintRun& run) { return run.out.find("RAWBAD#7") != std::string::npos; });
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("\ninvalid - patterns PCRE2 cannot compile (1)\n  '^(abc'  RAWBAD#7\n"),
            std::string::npos)
      << r.out;
}

// The raw answer behind `ivyctl lint`: every peer, its ids and patterns.
TEST_F(LintCommandWithDaemon, DaemonAnswersSubscriptionsByBusAndPeer) {
  TestAgent& a = agent("HOLDER", {"^one", "^two (\\d+)"});
  nlohmann::json doc;
  ASSERT_TRUE(ivy::test::eventually(
      [&] {
        daemon::test::run_for(io_, 20ms);
        auto reply = ask_daemon(ivyd_.socket_path(), "subscriptions");
        if (!reply) return false;
        doc = nlohmann::json::parse(*reply, nullptr, false);
        return doc.is_object() && doc["buses"].size() == 1 &&
               doc["buses"][0]["peers"].size() == 1 &&
               doc["buses"][0]["peers"][0]["subscriptions"].size() == 2;
      },
      10s))
      << doc.dump(2);
  const auto& bus = doc["buses"][0];
  EXPECT_EQ(bus["id"], "main");
  EXPECT_EQ(bus["spec"], "127.255.255.255:" + std::to_string(port_));
  const auto& peer = bus["peers"][0];
  EXPECT_EQ(peer["name"], "HOLDER");
  EXPECT_EQ(peer["app_id"], a->app_id());
  EXPECT_EQ(peer["port"], a->tcp_port());
  EXPECT_EQ(peer["subscriptions"][0], (nlohmann::json{{"id", 0}, {"pattern", "^one"}}));
  EXPECT_EQ(peer["subscriptions"][1], (nlohmann::json{{"id", 1}, {"pattern", "^two (\\d+)"}}));
}

}  // namespace
}  // namespace ivy::ctl::test
