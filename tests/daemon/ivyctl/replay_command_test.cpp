// `ivyctl replay` end to end (daemon/ivyctl/replay_command.cpp): messages
// recorded with the real SqliteRecorder are re-emitted onto a second loopback
// bus, where an in-process agent subscribed to everything receives them.
#include <gtest/gtest.h>

#include <map>

#include "tests/daemon/ivyctl/recording_support.hpp"
#include "tests/daemon/process_support.hpp"
#include "tests/daemon/test_support.hpp"

namespace ivy::ctl::test {
namespace {

using namespace std::chrono_literals;
using daemon::test::AgentEvent;
using daemon::test::run_until;
using daemon::test::TestAgent;
using daemon::test::unique_bus_port;
using ivy::test::bin_path;
using ivy::test::ChildProcess;
using ivy::test::read_text_file;
using ivy::test::run_command;
using ivy::test::TempDir;
using Kind = AgentEvent::Kind;
using Clock = std::chrono::steady_clock;

std::string numbered(const char* prefix, int i) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s %02d", prefix, i);
  return buf;
}

// `count` messages "replay NN" from ORIG, `spacing_ms` apart.
std::vector<storage::Record> messages_from_one_sender(int count, std::int64_t spacing_ms) {
  std::vector<storage::Record> r{join(1, "ORIG", 0)};
  for (int i = 0; i < count; ++i) r.push_back(message(1, numbered("replay", i), 10 + i * spacing_ms));
  return r;
}

// A listener subscribed to everything on its own bus, and the replay child.
class ReplayCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(listener_->subscribe("(.*)").ok());
    listener_.events.on_event = [this](const AgentEvent& e) {
      if (e.kind == Kind::kMessage) arrivals_.push_back(Clock::now());
    };
    ASSERT_TRUE(listener_->start().ok());
  }

  // Runs `ivyctl replay` on the recording while the listener's loop runs;
  // returns its exit code once `expected` messages arrived and it exited.
  int replay(std::vector<std::string> args, std::size_t expected) {
    std::vector<std::string> argv{bin_path("ivyctl"), "replay", "--db", db_, "-b",
                                  "127.255.255.255:" + std::to_string(port_), "--wait", "0.5"};
    argv.insert(argv.end(), args.begin(), args.end());
    ChildProcess child(argv, dir_.file("out"), dir_.file("err"));
    EXPECT_TRUE(child.started());
    EXPECT_TRUE(run_until(io_, [&] { return messages().size() >= expected && child.wait_for(0ms).has_value(); },
                          15000ms))
        << messages().size() << " of " << expected << " messages; stderr:\n"
        << read_text_file(dir_.file("err"));
    daemon::test::run_for(io_, 50ms);  // anything extra would show up now
    return child.wait_for(5s).value_or(-1);
  }

  std::vector<AgentEvent> messages() const { return listener_.events.of(Kind::kMessage); }
  static std::vector<std::string> texts(const std::vector<AgentEvent>& events) {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e.args.empty() ? "" : e.args[0]);
    return out;
  }

  ivy::test::PrivateCacheHome cache_home_;
  TempDir dir_;
  std::string db_ = dir_.file("rec.db");
  std::uint16_t port_ = unique_bus_port();
  daemon::asio::io_context io_;
  daemon::Logger log_{daemon::LogLevel::kError, daemon::Logger::Style::kPlain};
  TestAgent listener_{io_, log_, "LISTENER", port_};
  std::vector<Clock::time_point> arrivals_;
};

TEST_F(ReplayCommand, DeliversEveryMessageInOrderFromTheReplayAgent) {
  constexpr int kCount = 50;
  write_recording(db_, messages_from_one_sender(kCount, 5));
  ASSERT_EQ(replay({"--speed", "0"}, kCount), 0) << read_text_file(dir_.file("err"));

  const auto got = messages();
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kCount));
  for (int i = 0; i < kCount; ++i) {
    EXPECT_EQ(got[i].args, std::vector<std::string>{numbered("replay", i)}) << i;
    EXPECT_EQ(got[i].peer_name, "ivyctl-replay") << i;
  }
  EXPECT_NE(read_text_file(dir_.file("err")).find("replayed 50 messages (50 frames)"), std::string::npos)
      << read_text_file(dir_.file("err"));
}

TEST_F(ReplayCommand, ReadsMoreThanOnePageOfMessagesInOrder) {
  constexpr int kCount = 2100;  // replay reads 2000 rows per page
  std::vector<storage::Record> r{join(1, "ORIG", 0)};
  for (int i = 0; i < kCount; ++i) r.push_back(message(1, "page " + std::to_string(i), 10 + i));
  write_recording(db_, std::move(r));
  ASSERT_EQ(replay({"--speed", "0"}, kCount), 0) << read_text_file(dir_.file("err"));
  const auto got = texts(messages());
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kCount));
  for (int i = 0; i < kCount; ++i) ASSERT_EQ(got[i], "page " + std::to_string(i));
}

TEST_F(ReplayCommand, SpeedScalesTheOriginalTiming) {
  // 11 messages over 2 s, replayed 10 times faster: about 200 ms.
  constexpr int kCount = 11;
  write_recording(db_, messages_from_one_sender(kCount, 200));
  ASSERT_EQ(replay({"--speed", "10"}, kCount), 0) << read_text_file(dir_.file("err"));
  ASSERT_EQ(arrivals_.size(), static_cast<std::size_t>(kCount));
  const auto span = arrivals_.back() - arrivals_.front();
  EXPECT_GE(span, 180ms);
  EXPECT_LE(span, 1000ms);
  EXPECT_EQ(texts(messages()).back(), numbered("replay", kCount - 1));
}

TEST_F(ReplayCommand, AsOriginalSendsFromOneAgentPerOriginalSender) {
  std::vector<storage::Record> r{join(1, "ORIG1", 0), join(2, "ORIG2", 0)};
  for (int i = 0; i < 10; ++i) r.push_back(message(i % 2 == 0 ? 1 : 2, numbered("as", i), 10 + i));
  write_recording(db_, std::move(r));
  ASSERT_EQ(replay({"--speed", "0", "--as-original"}, 10), 0) << read_text_file(dir_.file("err"));

  std::map<std::string, std::vector<std::string>> by_sender;
  for (const auto& e : messages()) by_sender[e.peer_name].push_back(e.args.at(0));
  ASSERT_EQ(by_sender.size(), 2u);
  EXPECT_EQ(by_sender["replay:ORIG1"], (std::vector<std::string>{"as 00", "as 02", "as 04", "as 06", "as 08"}));
  EXPECT_EQ(by_sender["replay:ORIG2"], (std::vector<std::string>{"as 01", "as 03", "as 05", "as 07", "as 09"}));
}

TEST_F(ReplayCommand, SelectionOptionsChooseTheMessages) {
  std::vector<storage::Record> r{join(1, "ORIG1", 0), join(2, "ORIG2", 0)};
  for (int i = 0; i < 10; ++i) r.push_back(message(i % 2 == 0 ? 1 : 2, numbered("sel", i), 10 + i));
  write_recording(db_, std::move(r));
  ASSERT_EQ(replay({"--speed", "0", "--agent", "ORIG2", "--limit", "3", "--as", "REPLAYER"}, 3), 0)
      << read_text_file(dir_.file("err"));
  EXPECT_EQ(texts(messages()), (std::vector<std::string>{"sel 01", "sel 03", "sel 05"}));
  EXPECT_EQ(messages().front().peer_name, "REPLAYER");
}

TEST_F(ReplayCommand, NothingToReplayExitsZeroAtOnce) {
  write_recording(db_, {join(1, "ORIG", 0)});
  for (const char* as_original : {"--as-original", "--speed=0"}) {
    ChildProcess child({bin_path("ivyctl"), "replay", "--db", db_, "-b", "127.255.255.255:" + std::to_string(port_),
                        "--wait", "0", as_original},
                       dir_.file("out"), dir_.file("err"));
    EXPECT_EQ(child.wait_for(3s), std::optional<int>(0)) << as_original << ": " << read_text_file(dir_.file("err"));
    EXPECT_NE(read_text_file(dir_.file("err")).find("replayed 0 messages"), std::string::npos)
        << read_text_file(dir_.file("err"));
  }
}

TEST(ReplayCommandUsage, BadOptionsExitTwoAndAMissingRecordingOne) {
  TempDir dir;
  std::string err;
  EXPECT_EQ(run_command({bin_path("ivyctl"), "replay", "--as", "X", "--as-original"}, nullptr, &err), 2);
  EXPECT_NE(err.find("--as-original"), std::string::npos) << err;
  EXPECT_EQ(run_command({bin_path("ivyctl"), "replay", "--speed", "-1"}, nullptr, &err), 2);
  EXPECT_EQ(run_command({bin_path("ivyctl"), "replay", "-b", "127.0.0:99999"}, nullptr, &err), 2);
  EXPECT_NE(err.find("bad bus"), std::string::npos) << err;
  EXPECT_EQ(run_command({bin_path("ivyctl"), "replay", "--db", dir.file("none.db"), "-b", "127.255.255.255:2010"},
                        nullptr, &err),
            1);
  EXPECT_NE(err.find("none.db"), std::string::npos) << err;
}

}  // namespace
}  // namespace ivy::ctl::test
