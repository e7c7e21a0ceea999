// `ivyctl probe` end to end (daemon/ivyctl/probe_command.cpp): two real probe
// processes on a loopback bus, one driven through its standard input, the
// other's standard output checked line by line in C ivyprobe's formats; and
// the probe as a sender: a piped flood, typed lines, its matcher cache.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <sstream>
#include <thread>

#include "daemon/log.hpp"
#include "tests/daemon/process_support.hpp"
#include "tests/daemon/test_support.hpp"

namespace ivy::ctl {
namespace {

using namespace std::chrono_literals;
using daemon::test::unique_bus_port;
using ivy::test::bin_path;
using ivy::test::eventually;
using ivy::test::ChildProcess;
using ivy::test::PipeStdin;
using ivy::test::PrivateCacheHome;
using ivy::test::read_text_file;
using ivy::test::run_command;
using ivy::test::TempDir;

std::vector<std::string> lines_of(const std::string& path) {
  std::istringstream in(read_text_file(path));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool has_line(const std::string& path, const std::string& line) {
  for (const auto& l : lines_of(path)) {
    if (l == line) return true;
  }
  return false;
}

bool has_line_matching(const std::string& path, const std::string& pattern) {
  const std::regex re(pattern);
  for (const auto& l : lines_of(path)) {
    if (std::regex_match(l, re)) return true;
  }
  return false;
}

// A probe named `name` on the test bus, its output in dir/<name>.out|.err.
struct Probe {
  Probe(const TempDir& dir, std::uint16_t port, const std::string& name, std::vector<std::string> extra = {})
      : out(dir.file(name + ".out")), err(dir.file(name + ".err")), child(argv(port, name, extra), out, err, PipeStdin{}) {}

  static std::vector<std::string> argv(std::uint16_t port, const std::string& name,
                                       const std::vector<std::string>& extra) {
    std::vector<std::string> a{bin_path("ivyctl"), "probe", "-b", "127.255.255.255:" + std::to_string(port), "-n", name};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  // Waits for a whole line; on failure the output is in the test log.
  ::testing::AssertionResult shows(const std::string& line, std::chrono::milliseconds timeout = 5s) {
    if (eventually([&] { return has_line(out, line); }, timeout)) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "no line '" << line << "' in:\n"
                                         << read_text_file(out) << "stderr:\n" << read_text_file(err);
  }
  ::testing::AssertionResult shows_matching(const std::string& pattern, std::chrono::milliseconds timeout = 5s) {
    if (eventually([&] { return has_line_matching(out, pattern); }, timeout)) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "no line matching '" << pattern << "' in:\n" << read_text_file(out);
  }

  std::string out;
  std::string err;
  ChildProcess child;
};

// Every test gets its own ivyctl cache directory ($XDG_CACHE_HOME).
class ProbeCommand : public ::testing::Test {
 protected:
  PrivateCacheHome cache_home_;
};

TEST_F(ProbeCommand, TwoProbesConnectExchangeMessagesDirectsAndPingsAndLeaveOnEndOfInput) {
  TempDir dir;
  const auto port = unique_bus_port();
  Probe alpha(dir, port, "ALPHA", {"^hello (.*)"});
  ASSERT_TRUE(alpha.child.started());
  ASSERT_TRUE(alpha.shows("Binding to '^hello (.*)'"));
  ASSERT_TRUE(alpha.shows("Broadcasting on 127.255.255.255:" + std::to_string(port)));
  Probe beta(dir, port, "BETA", {"-s"});
  ASSERT_TRUE(beta.child.started());

  ASSERT_TRUE(alpha.shows("BETA connected from 127.0.0.1"));
  ASSERT_TRUE(beta.shows("ALPHA connected from 127.0.0.1"));
  // -s: ALPHA's subscription, shown as it arrived with the handshake.
  EXPECT_TRUE(beta.shows("Application: ALPHA on 127.0.0.1 add regexp 0 : ^hello (.*)"));

  ASSERT_TRUE(beta.child.write_line("hello world"));
  EXPECT_TRUE(alpha.shows("BETA sent  'world'"));
  EXPECT_TRUE(beta.shows("-> Sent to 1 peer"));

  ASSERT_TRUE(beta.child.write_line("nobody wants this"));
  EXPECT_TRUE(beta.shows("-> Sent to 0 peers"));

  ASSERT_TRUE(beta.child.write_line(".direct ALPHA 7 hello"));
  EXPECT_TRUE(alpha.shows("BETA sent a direct message, id=7, message=hello"));

  ASSERT_TRUE(beta.child.write_line(".ping ALPHA"));
  EXPECT_TRUE(beta.shows_matching(R"(ALPHA respond to ping in \d+\.\d{3} ms)"));

  ASSERT_TRUE(beta.child.write_line(".who"));
  EXPECT_TRUE(beta.shows("Apps: ALPHA"));
  ASSERT_TRUE(beta.child.write_line(".where NOBODY"));
  EXPECT_TRUE(beta.shows("No Application NOBODY!!!"));
  ASSERT_TRUE(beta.child.write_line(".bind"));
  EXPECT_TRUE(beta.shows("usage: .bind 'regexp'"));

  beta.child.close_stdin();
  EXPECT_EQ(beta.child.wait_for(5s), std::optional<int>(0)) << read_text_file(beta.err);
  EXPECT_TRUE(alpha.shows("BETA disconnected from 127.0.0.1"));
  alpha.child.close_stdin();
  EXPECT_EQ(alpha.child.wait_for(5s), std::optional<int>(0)) << read_text_file(alpha.err);
}

TEST_F(ProbeCommand, BindTypedOnStdinReceivesLaterMessages) {
  TempDir dir;
  const auto port = unique_bus_port();
  Probe alpha(dir, port, "ALPHA");
  ASSERT_TRUE(alpha.shows("Broadcasting on 127.255.255.255:" + std::to_string(port)));
  Probe beta(dir, port, "BETA", {"-s"});
  ASSERT_TRUE(beta.shows("ALPHA connected from 127.0.0.1"));

  ASSERT_TRUE(alpha.child.write_line(".bind '^temp=(\\d+) unit=(.*)'"));
  EXPECT_TRUE(alpha.shows("Binding to '^temp=(\\d+) unit=(.*)'"));
  ASSERT_TRUE(beta.shows("Application: ALPHA on 127.0.0.1 add regexp 0 : ^temp=(\\d+) unit=(.*)"));
  ASSERT_TRUE(beta.child.write_line("temp=21 unit=C"));
  EXPECT_TRUE(alpha.shows("BETA sent  '21' 'C'"));

  ASSERT_TRUE(alpha.child.write_line(".unbind 0"));
  // C shows the pattern of a peer's removal as empty; ours may name it.
  EXPECT_TRUE(beta.shows_matching(R"(Application: ALPHA on 127\.0\.0\.1 remove regexp 0 :.*)"));
}

TEST_F(ProbeCommand, DieFromAPeerMakesTheProbeLeaveAndExitZero) {
  TempDir dir;
  const auto port = unique_bus_port();
  Probe alpha(dir, port, "ALPHA");
  ASSERT_TRUE(alpha.shows("Broadcasting on 127.255.255.255:" + std::to_string(port)));
  Probe beta(dir, port, "BETA");
  ASSERT_TRUE(beta.shows("ALPHA connected from 127.0.0.1"));

  ASSERT_TRUE(beta.child.write_line(".die ALPHA"));
  EXPECT_TRUE(alpha.shows("Received the order to die from BETA"));
  EXPECT_EQ(alpha.child.wait_for(5s), std::optional<int>(0)) << read_text_file(alpha.err);  // stdin still open
  EXPECT_TRUE(beta.shows("ALPHA disconnected from 127.0.0.1"));
}

TEST_F(ProbeCommand, QuitCommandExitsZero) {
  TempDir dir;
  Probe alpha(dir, unique_bus_port(), "ALPHA");
  ASSERT_TRUE(alpha.shows_matching("Broadcasting on .*"));
  ASSERT_TRUE(alpha.child.write_line(".quit"));
  EXPECT_EQ(alpha.child.wait_for(5s), std::optional<int>(0)) << read_text_file(alpha.err);
}

TEST_F(ProbeCommand, BindsEveryLineOfARegexpFileAndTimestampsWithT) {
  TempDir dir;
  ivy::test::write_text_file(dir.file("regexps.txt"), "^a (.*)\r\n\n^b=(\\d+)\n");
  Probe alpha(dir, unique_bus_port(), "ALPHA", {"-t", "-f", dir.file("regexps.txt"), "(unclosed"});
  // As ivyprobe (§9.2), so scripts that look for "Error compiling" keep working.
  EXPECT_TRUE(alpha.shows_matching(R"(\[\d\d:\d\d:\d\d\.\d{3}\] Error compiling '\(unclosed', missing closing parenthesis, not bound)"));
  EXPECT_TRUE(alpha.shows_matching(R"(\[\d\d:\d\d:\d\d\.\d{3}\] Binding to '\^a \(\.\*\)')"));
  EXPECT_TRUE(alpha.shows_matching(R"(\[\d\d:\d\d:\d\d\.\d{3}\] Binding to '\^b=\(\\d\+\)')"));
  EXPECT_TRUE(alpha.shows_matching(R"(\[\d\d:\d\d:\d\d\.\d{3}\] Broadcasting on 127\.255\.255\.255:\d+)"));
  alpha.child.close_stdin();
  EXPECT_EQ(alpha.child.wait_for(5s), std::optional<int>(0)) << read_text_file(alpha.err);
  EXPECT_EQ(lines_of(alpha.out).size(), 4u) << read_text_file(alpha.out);  // the empty line is not bound
}

TEST_F(ProbeCommand, HelpExitsZeroAndListsEveryOptionAndCommand) {
  std::string out;
  ASSERT_EQ(run_command({bin_path("ivyctl"), "probe", "--help"}, &out), 0);
  for (const char* word : {"--bus", "--name", "--show-bind", "--timestamps", "--file", ".help", ".quit", ".bind",
                           ".unbind", ".showbind", ".who", ".where", ".direct", ".die", ".ping"}) {
    EXPECT_NE(out.find(word), std::string::npos) << word << " missing from:\n" << out;
  }
}

TEST_F(ProbeCommand, UnknownOptionExitsTwoNamingIt) {
  std::string err;
  EXPECT_EQ(run_command({bin_path("ivyctl"), "probe", "--bogus"}, nullptr, &err), 2);
  EXPECT_NE(err.find("bogus"), std::string::npos) << err;
}

TEST_F(ProbeCommand, BadBusSpecExitsTwo) {
  std::string err;
  EXPECT_EQ(run_command({bin_path("ivyctl"), "probe", "-b", "127.0.0:99999"}, nullptr, &err), 2);
  EXPECT_NE(err.find("bad bus '127.0.0:99999'"), std::string::npos) << err;
}

TEST_F(ProbeCommand, UnreadableRegexpFileExitsTwo) {
  std::string err;
  EXPECT_EQ(run_command({bin_path("ivyctl"), "probe", "-f", "/nonexistent/regexps.txt"}, nullptr, &err), 2);
  EXPECT_NE(err.find("/nonexistent/regexps.txt"), std::string::npos) << err;
}

std::size_t count_lines(const std::string& path, const std::string& line) {
  std::size_t n = 0;
  for (const auto& l : lines_of(path)) n += l == line;
  return n;
}

// ivy-c's ivyprobe drops lines of a fast pipe; ours reads stdin in chunks,
// hands the loop batches and must lose none, in order.
TEST_F(ProbeCommand, PipedFloodIsSentWithoutLosingALine) {
  TempDir dir;
  const auto port = unique_bus_port();
  daemon::asio::io_context io;
  daemon::Logger log(daemon::LogLevel::kError, daemon::Logger::Style::kPlain);
  daemon::test::TestAgent receiver(io, log, "RECV", port);
  ASSERT_TRUE(receiver->subscribe("^line (\\d+)$").ok());
  ASSERT_TRUE(receiver->start().ok());
  Probe sender(dir, port, "SENDER");
  ASSERT_TRUE(daemon::test::run_until(io, [&] { return has_line(sender.out, "RECV connected from 127.0.0.1"); }, 5000ms))
      << read_text_file(sender.out);

  constexpr int kLines = 20'000;
  std::string text;
  for (int i = 0; i < kLines; ++i) text += "line " + std::to_string(i) + "\n";
  std::thread writer([&] {
    sender.child.write_text(text);
    sender.child.close_stdin();
  });
  using Kind = daemon::test::AgentEvent::Kind;
  const bool all = daemon::test::run_until(
      io, [&] { return receiver.events.of(Kind::kMessage).size() >= static_cast<std::size_t>(kLines); }, 60000ms);
  writer.join();
  const auto got = receiver.events.of(Kind::kMessage);
  ASSERT_TRUE(all) << got.size() << " of " << kLines << " arrived";
  for (int i = 0; i < kLines; ++i) ASSERT_EQ(got[i].args, std::vector<std::string>{std::to_string(i)}) << i;
  EXPECT_EQ(sender.child.wait_for(10s), std::optional<int>(0)) << read_text_file(sender.err);
  EXPECT_EQ(count_lines(sender.out, "-> Sent to 1 peer"), static_cast<std::size_t>(kLines));
  // RECV's one regexp was compiled and kept for the next run.
  std::size_t cached = 0;
  for (const auto& e : std::filesystem::directory_iterator(cache_home_.ivyctl_cache())) {
    cached += e.path().extension() == ".hsdb";
  }
  EXPECT_GE(cached, 1u);
}

// Output is buffered, but a person typing sees each answer before typing on.
TEST_F(ProbeCommand, EachTypedLineIsAnsweredBeforeTheNextIsTyped) {
  TempDir dir;
  const auto port = unique_bus_port();
  Probe alpha(dir, port, "ALPHA", {"^typed (.*)"});
  ASSERT_TRUE(alpha.shows_matching("Broadcasting on .*"));
  Probe beta(dir, port, "BETA");
  ASSERT_TRUE(beta.shows("ALPHA connected from 127.0.0.1"));
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(beta.child.write_line("typed " + std::to_string(i)));
    EXPECT_TRUE(alpha.shows("BETA sent  '" + std::to_string(i) + "'"));
    EXPECT_TRUE(eventually([&] { return count_lines(beta.out, "-> Sent to 1 peer") == static_cast<std::size_t>(i); }))
        << read_text_file(beta.out);
  }
  ASSERT_TRUE(beta.child.write_line(".who"));
  EXPECT_TRUE(beta.shows("Apps: ALPHA"));
}

TEST_F(ProbeCommand, UnusableCacheDirectoryIsOneWarningAndTheProbeWorks) {
  TempDir dir;
  ivy::test::write_text_file(dir.file("not-a-dir"), "");
  ::setenv("XDG_CACHE_HOME", dir.file("not-a-dir").c_str(), 1);
  Probe alpha(dir, unique_bus_port(), "ALPHA");
  ASSERT_TRUE(alpha.shows_matching("Broadcasting on .*"));
  ASSERT_TRUE(alpha.child.write_line(".quit"));
  EXPECT_EQ(alpha.child.wait_for(5s), std::optional<int>(0));
  std::size_t warnings = 0;
  for (const auto& l : lines_of(alpha.err)) warnings += l.find("running without a Hyperscan database cache") != std::string::npos;
  EXPECT_EQ(warnings, 1u) << read_text_file(alpha.err);
  EXPECT_NE(read_text_file(alpha.err).find(dir.file("not-a-dir") + "/ivyd"), std::string::npos) << read_text_file(alpha.err);
}

}  // namespace
}  // namespace ivy::ctl
