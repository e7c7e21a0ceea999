// `ivyctl status` and `ivyctl who` (daemon/ivyctl/status_command.cpp): the
// hint when no daemon answers, and the real ivyd's status socket with an
// in-process agent on its bus.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "tests/daemon/ivyd_under_test.hpp"
#include "tests/daemon/process_support.hpp"
#include "tests/daemon/test_support.hpp"

namespace ivy::daemon::test {
namespace {

using ivy::test::bin_path;
using ivy::test::run_command;
using ivy::test::TempDir;
using ivy::test::write_text_file;

TEST(StatusCommand, WithoutADaemonExitsOneWithAHint) {
  TempDir dir;
  for (const char* command : {"status", "who"}) {
    std::string out;
    std::string err;
    EXPECT_EQ(run_command({bin_path("ivyctl"), command, "--socket", dir.file("none.sock")}, &out, &err), 1) << command;
    EXPECT_NE(err.find("cannot connect to " + dir.file("none.sock")), std::string::npos) << err;
    EXPECT_NE(err.find("is ivyd running?"), std::string::npos) << err;
    EXPECT_EQ(out, "");
  }
}

TEST(StatusCommand, SocketThatIsNotADaemonExitsOne) {
  TempDir dir;
  write_text_file(dir.file("plain-file"), "not a socket");
  std::string err;
  EXPECT_EQ(run_command({bin_path("ivyctl"), "status", "--socket", dir.file("plain-file")}, nullptr, &err), 1);
  EXPECT_NE(err.find("plain-file"), std::string::npos) << err;
}

TEST(StatusCommand, UnknownOptionExitsTwo) {
  std::string err;
  EXPECT_EQ(run_command({bin_path("ivyctl"), "status", "--bogus"}, nullptr, &err), 2);
  EXPECT_NE(err.find("bogus"), std::string::npos) << err;
}

// A real ivyd recording a loopback bus, with its status socket in a TempDir.
class StatusCommandWithDaemon : public ::testing::Test {
 protected:
  static IvydSetup quiet() {
    IvydSetup setup;
    setup.log_level = "warning";
    return setup;
  }

  void SetUp() override {
    ASSERT_TRUE(ivyd_.start()) << ivyd_.log();
    for (const char* re : {"^alpha (.*)", "^beta (\\d+)", "^gamma$"}) {
      ASSERT_TRUE(agent_->subscribe(re).ok());
    }
    ASSERT_TRUE(agent_->start().ok());
    ASSERT_TRUE(run_until(io_, [&] { return agent_->peers().size() == 1 && agent_->peers()[0].ready; }, 5000ms));
  }
  void TearDown() override {
    if (ivyd_.running()) {
      EXPECT_EQ(ivyd_.stop(), std::optional<int>(0)) << ivyd_.log();
    }
  }

  // Runs `ivyctl COMMAND --socket ... ARGS` until `done(stdout)` holds,
  // letting the agent's loop run in between (ivyd may learn our name a
  // moment after we see it ready).
  std::string ivyctl_until(const std::vector<std::string>& args, const std::function<bool(const std::string&)>& done) {
    std::string out;
    std::string err;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    for (;;) {
      std::vector<std::string> argv{bin_path("ivyctl")};
      argv.insert(argv.end(), args.begin(), args.end());
      argv.insert(argv.end(), {"--socket", ivyd_.socket_path()});
      const int code = run_command(argv, &out, &err);
      if ((code == 0 && done(out)) || std::chrono::steady_clock::now() > deadline) break;
      run_for(io_, 50ms);
    }
    EXPECT_TRUE(done(out)) << out << err;
    return out;
  }

  std::uint16_t port_ = unique_bus_port();
  std::string spec_ = "127.255.255.255:" + std::to_string(port_);
  IvydUnderTest ivyd_{port_, quiet()};
  asio::io_context io_;
  Logger log_{LogLevel::kError, Logger::Style::kPlain};
  TestAgent agent_{io_, log_, "WHOAMI", port_};
};

TEST_F(StatusCommandWithDaemon, WhoListsTheAgentOnTheBus) {
  const auto out = ivyctl_until({"who"}, [](const std::string& o) { return o.find("WHOAMI\t") != std::string::npos; });
  const std::string line = out.substr(out.find("WHOAMI\t"), out.find('\n', out.find("WHOAMI\t")) - out.find("WHOAMI\t"));
  EXPECT_EQ(line, "WHOAMI\t127.0.0.1:" + std::to_string(agent_->tcp_port()) + "\tmain\t" + agent_->app_id());
}

TEST_F(StatusCommandWithDaemon, StatusShowsTheBusPeersAndRecorder) {
  // The recorder reports "unavailable" until its writer has opened the file.
  const std::string recorder_line = "\nrecorder: " + ivyd_.db_path() + "\n";
  const auto out = ivyctl_until({"status"}, [&](const std::string& o) {
    return o.find("WHOAMI@") != std::string::npos && o.find(recorder_line) != std::string::npos;
  });
  EXPECT_EQ(out.rfind("ivyd ", 0), 0u) << out;
  EXPECT_NE(out.find("bus main: " + spec_ + " as 'ivyd-test' (tcp port "), std::string::npos) << out;
  EXPECT_NE(out.find(", recording)"), std::string::npos) << out;
  EXPECT_NE(out.find("    WHOAMI@127.0.0.1:" + std::to_string(agent_->tcp_port()) + "  subs 3"), std::string::npos)
      << out;
  EXPECT_NE(out.find("  written "), std::string::npos) << out;
}

TEST_F(StatusCommandWithDaemon, StatusTextShowsTheProtectiveCountersThatMoved) {
  const auto quiet = ivyctl_until({"status"}, [](const std::string& o) { return o.find("WHOAMI@") != std::string::npos; });
  EXPECT_EQ(quiet.find("bad_datagrams"), std::string::npos) << quiet;
  // Garbage on the bus port: ivyd counts it (bad_datagrams) and keeps going.
  RawPeer raw(io_);
  raw.send_datagram(port_, "not an ivy announcement");
  const auto out = ivyctl_until({"status"}, [](const std::string& o) {
    return o.find("\n  bad_datagrams 1\n") != std::string::npos;
  });
  EXPECT_EQ(out.find("stalled_links"), std::string::npos) << "a counter at 0 was listed:\n" << out;
}

TEST_F(StatusCommandWithDaemon, StatusJsonIsTheDaemonsDocument) {
  const auto out = ivyctl_until({"status", "--json"}, [](const std::string& o) {
    return o.find("\"WHOAMI\"") != std::string::npos;
  });
  const auto doc = nlohmann::json::parse(out, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << out;
  ASSERT_EQ(doc["buses"].size(), 1u);
  EXPECT_EQ(doc["buses"][0]["spec"], spec_);
  ASSERT_EQ(doc["buses"][0]["peers"].size(), 1u);
  EXPECT_EQ(doc["buses"][0]["peers"][0]["name"], "WHOAMI");
  EXPECT_TRUE(doc["recorder"]["enabled"].get<bool>());
}

// The peer's three regexps are compiled into Hyperscan after its handshake,
// with no message on the bus; both views say so.
TEST_F(StatusCommandWithDaemon, StatusShowsWhereTheBusMatchesItsPeersPatterns) {
  const auto out = ivyctl_until({"status", "--json"}, [](const std::string& o) {
    const auto doc = nlohmann::json::parse(o, nullptr, false);
    return doc.is_object() && doc["buses"].size() == 1 && doc["buses"][0]["matcher"]["hyperscan_patterns"] == 3;
  });
  const auto doc = nlohmann::json::parse(out, nullptr, false);
  const auto& m = doc["buses"][0]["matcher"];
  for (const char* key : {"patterns", "hyperscan_patterns", "side_list_patterns", "compiles", "cache_hits"}) {
    EXPECT_TRUE(m[key].is_number_integer()) << key << " in " << m.dump();
  }
  EXPECT_EQ(m["patterns"], 3);
  EXPECT_EQ(m["side_list_patterns"], 0);
  EXPECT_GE(m["compiles"].get<int>() + m["cache_hits"].get<int>(), 1);
  EXPECT_TRUE(doc["matcher_cache"]["enabled"].get<bool>()) << doc["matcher_cache"].dump();
  EXPECT_EQ(doc["matcher_cache"]["dir"], ivyd_.dir.file("hyperscan-cache"));  // beside the recording

  const auto text = ivyctl_until({"status"}, [](const std::string& o) {
    return o.find("  matcher: 3 patterns, 3 in Hyperscan, 0 on the side list, 0 PCRE2 only; ") != std::string::npos;
  });
  EXPECT_NE(text.find("\nHyperscan cache: " + ivyd_.dir.file("hyperscan-cache") + " ("), std::string::npos) << text;
}

}  // namespace
}  // namespace ivy::daemon::test
