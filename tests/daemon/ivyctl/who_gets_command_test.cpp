// `ivyctl who-gets` (daemon/ivyctl/who_gets_command.cpp) and the daemon's
// "who-gets" request behind it (daemon/service/daemon_who_gets.cpp): a real
// ivyd on a loopback bus with two real agents and their subscriptions.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

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

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool has_line(const std::string& out, const std::string& line) {
  const auto lines = lines_of(out);
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

// ivyd on a loopback bus with RECV and OTHER linked, their regexps known to it:
//   RECV   0 ^hello (\d+) (\w+)    1 ^TrackMoved (\d+)$
//   OTHER  0 ^hello (.*)           1 ^two  spaces$
class WhoGets : public ::testing::Test {
 protected:
  static IvydSetup quiet() {
    IvydSetup setup;
    setup.log_level = "warning";
    return setup;
  }

  void SetUp() override {
    ASSERT_TRUE(ivyd_.start()) << ivyd_.log();
    ASSERT_TRUE(recv_->subscribe("^hello (\\d+) (\\w+)").ok());
    ASSERT_TRUE(recv_->subscribe("^TrackMoved (\\d+)$").ok());
    ASSERT_TRUE(other_->subscribe("^hello (.*)").ok());
    ASSERT_TRUE(other_->subscribe("^two  spaces$").ok());
    ASSERT_TRUE(recv_->start().ok());
    ASSERT_TRUE(other_->start().ok());
    ASSERT_TRUE(run_until(io_, [&] { return recv_->peers().size() == 2 && other_->peers().size() == 2; }, 5000ms));
    // ivyd has both agents' regexps once its status counts them.
    ASSERT_TRUE(eventually([&] {
      const auto status = ivyd_.status();
      if (!status.is_object()) return false;
      std::size_t subscriptions = 0;
      for (const auto& p : status["buses"][0]["peers"]) subscriptions += p["subscriptions"].get<std::size_t>();
      return subscriptions == 4;
    })) << ivyd_.log();
  }
  void TearDown() override {
    if (ivyd_.running()) {
      EXPECT_EQ(ivyd_.stop(), std::optional<int>(0)) << ivyd_.log();
    }
  }

  // `ivyctl who-gets ARGS --socket ...`: its exit code, stdout in `out`.
  int who_gets(const std::vector<std::string>& args, std::string* out, std::string* err = nullptr) {
    std::vector<std::string> argv{bin_path("ivyctl"), "who-gets", "--socket", ivyd_.socket_path()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, out, err);
  }
  std::string where(TestAgent& agent) { return "@127.0.0.1:" + std::to_string(agent->tcp_port()); }

  std::uint16_t port_ = unique_bus_port();
  IvydUnderTest ivyd_{port_, quiet()};
  asio::io_context io_;
  Logger log_{LogLevel::kError, Logger::Style::kPlain};
  TestAgent recv_{io_, log_, "RECV", port_};
  TestAgent other_{io_, log_, "OTHER", port_};
};

TEST_F(WhoGets, ListsEveryReceiverWithItsRegexpPatternAndCaptures) {
  std::string out;
  ASSERT_EQ(who_gets({"hello 12 abc"}, &out), 0) << out;
  // In the order ivyd's matcher sends them: the order the regexps arrived.
  const auto lines = lines_of(out);
  ASSERT_EQ(lines.size(), 3u) << out;
  EXPECT_EQ(lines[0], "bus main: 2 receivers");
  EXPECT_TRUE(has_line(out, "  RECV" + where(recv_) + R"(  regexp 0  ^hello (\d+) (\w+)  "12"  "abc")")) << out;
  EXPECT_TRUE(has_line(out, "  OTHER" + where(other_) + R"(  regexp 0  ^hello (.*)  "12 abc")")) << out;
}

TEST_F(WhoGets, JsonAnswerHasTheAgentsRegexpsAndCaptures) {
  std::string out;
  ASSERT_EQ(who_gets({"--json", "TrackMoved 42"}, &out), 0) << out;
  const auto doc = nlohmann::json::parse(out, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << out;
  EXPECT_EQ(doc["text"], "TrackMoved 42");
  ASSERT_EQ(doc["buses"].size(), 1u);
  const auto& bus = doc["buses"][0];
  EXPECT_EQ(bus["id"], "main");
  ASSERT_EQ(bus["receivers"].size(), 1u) << out;
  const auto& r = bus["receivers"][0];
  EXPECT_EQ(r["agent"], "RECV");
  EXPECT_EQ(r["host"], "127.0.0.1");
  EXPECT_EQ(r["port"], recv_->tcp_port());
  EXPECT_EQ(r["app_id"], recv_->app_id());
  EXPECT_EQ(r["regexp_id"], 1);
  EXPECT_EQ(r["pattern"], "^TrackMoved (\\d+)$");
  EXPECT_EQ(r["captures"], nlohmann::json::array({"42"}));
  EXPECT_TRUE(bus["closest"].empty());
}

TEST_F(WhoGets, NobodyGetsItNamesTheClosestPatternAndExitsOne) {
  std::string out;
  ASSERT_EQ(who_gets({"TrackMoved 12x"}, &out), 1) << out;
  EXPECT_EQ(out, "bus main: nobody would receive it; closest:\n"
                 "  RECV" + where(recv_) + "  regexp 1  ^TrackMoved (\\d+)$\n"
                 "      same first word; fits up to byte 13, parts at \"x\"\n");
}

TEST_F(WhoGets, ATextThePatternsWantMoreOfFitsWhole) {
  std::string out;
  ASSERT_EQ(who_gets({"--json", "hello"}, &out), 1) << out;
  const auto doc = nlohmann::json::parse(out, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << out;
  const auto& closest = doc["buses"][0]["closest"];
  ASSERT_EQ(closest.size(), 2u) << out;
  std::vector<std::string> patterns;
  for (const auto& c : closest) {
    EXPECT_TRUE(c["same_first_word"].get<bool>()) << c;
    EXPECT_EQ(c["agreed_bytes"], 5) << c;
    patterns.push_back(c["pattern"]);
  }
  std::sort(patterns.begin(), patterns.end());
  EXPECT_EQ(patterns, (std::vector<std::string>{"^hello (.*)", "^hello (\\d+) (\\w+)"}));
  std::string text;
  ASSERT_EQ(who_gets({"hello"}, &text), 1);
  EXPECT_NE(text.find("same first word; the whole text fits, the pattern wants more"), std::string::npos) << text;
}

TEST_F(WhoGets, NoPatternComesClose) {
  std::string out;
  ASSERT_EQ(who_gets({"xyz"}, &out), 1) << out;
  EXPECT_EQ(out, "bus main: nobody would receive it; no pattern comes close\n");
}

TEST_F(WhoGets, TheTextIsSentExactlyAndArgumentsAreJoinedBySingleSpaces) {
  std::string out;
  EXPECT_EQ(who_gets({"two  spaces"}, &out), 0) << out;
  EXPECT_TRUE(has_line(out, "  OTHER" + where(other_) + "  regexp 1  ^two  spaces$")) << out;
  EXPECT_EQ(who_gets({"two", "spaces"}, &out), 1) << out;
  EXPECT_TRUE(has_line(out, "      same first word; fits up to byte 4, parts at \"spaces\"")) << out;
  EXPECT_EQ(who_gets({"hello", "7", "x"}, &out), 0) << out;
  EXPECT_TRUE(has_line(out, "  RECV" + where(recv_) + R"(  regexp 0  ^hello (\d+) (\w+)  "7"  "x")")) << out;
}

TEST_F(WhoGets, BusOptionPicksOneBusAndAnUnknownOneExitsOne) {
  std::string out;
  std::string err;
  EXPECT_EQ(who_gets({"--bus", "main", "TrackMoved 1"}, &out), 0) << out;
  EXPECT_EQ(who_gets({"--bus", "nope", "TrackMoved 1"}, &out, &err), 1);
  EXPECT_EQ(err, "ivyctl who-gets: no bus \"nope\" (buses: main)\n");
  EXPECT_EQ(out, "");
}

TEST_F(WhoGets, BadUsageExitsTwo) {
  std::string err;
  EXPECT_EQ(who_gets({}, nullptr, &err), 2);
  EXPECT_NE(err.find("text"), std::string::npos) << err;
  EXPECT_EQ(who_gets({std::string("a\x03") + "b"}, nullptr, &err), 2);
  EXPECT_NE(err.find("ETX"), std::string::npos) << err;
  EXPECT_EQ(who_gets({"--bus", "", "x"}, nullptr, &err), 2);
  EXPECT_EQ(who_gets({"--frobnicate", "x"}, nullptr, &err), 2);
}

TEST_F(WhoGets, RequestCarriesTheTextByteForByteAndABadOneIsAnError) {
  auto reply = ivy::ctl::ask_daemon(ivyd_.socket_path(), "who-gets *  hello 1 a");
  ASSERT_TRUE(reply) << reply.error().message;
  auto doc = nlohmann::json::parse(*reply, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << *reply;
  EXPECT_EQ(doc["text"], " hello 1 a") << "the text starts after the bus and one space";
  EXPECT_TRUE(doc["buses"][0]["receivers"].empty()) << "^hello does not match a leading space";
  const std::vector<std::string> bad_requests{"who-gets", "who-gets main", std::string("who-gets main a\0b", 17)};
  for (const auto& bad : bad_requests) {
    reply = ivy::ctl::ask_daemon(ivyd_.socket_path(), bad);
    ASSERT_TRUE(reply) << bad;
    doc = nlohmann::json::parse(*reply, nullptr, false);
    EXPECT_TRUE(doc.is_object() && doc.contains("error")) << bad << ": " << *reply;
  }
  EXPECT_TRUE(ivyd_.running());
}

TEST(WhoGetsWithoutADaemon, ExitsOneWithAHint) {
  TempDir dir;
  std::string err;
  EXPECT_EQ(run_command({bin_path("ivyctl"), "who-gets", "--socket", dir.file("none.sock"), "hello"}, nullptr, &err), 1);
  EXPECT_NE(err.find("is ivyd running?"), std::string::npos) << err;
}

}  // namespace
}  // namespace ivy::daemon::test
