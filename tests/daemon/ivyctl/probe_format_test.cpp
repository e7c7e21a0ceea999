// What `ivyctl probe` prints and reads (daemon/ivyctl/probe_format.cpp):
// every output line byte-exact against C ivyprobe (ivy-protocol.md §9.3), and
// every stdin command (§9.2).
#include "daemon/ivyctl/probe_format.hpp"

#include <gtest/gtest.h>

#include <ctime>

namespace ivy::ctl {
namespace {

using namespace std::chrono_literals;
using Kind = ProbeCommand::Kind;

// --- output lines ----------------------------------------------------------------

TEST(ProbeFormat, ConnectedAndDisconnectedLinesNameTheAgentAndHost) {
  EXPECT_EQ(probe_connected("IVYPROBE", "127.0.0.1"), "IVYPROBE connected from 127.0.0.1");
  EXPECT_EQ(probe_disconnected("IVYPROBE", "localhost"), "IVYPROBE disconnected from localhost");
}

TEST(ProbeFormat, MessageHasTwoSpacesBeforeTheFirstArgument) {
  EXPECT_EQ(probe_message("RAWPEER", {"a", "b"}), "RAWPEER sent  'a' 'b'");
  EXPECT_EQ(probe_message("RAWPEER", {"a"}), "RAWPEER sent  'a'");
}

TEST(ProbeFormat, MessageWithoutArgumentsKeepsTheTrailingSpace) {
  EXPECT_EQ(probe_message("RAWPEER", {}), "RAWPEER sent ");
}

TEST(ProbeFormat, MessageShowsEmptyArgumentsAsEmptyQuotes) {
  EXPECT_EQ(probe_message("RAWPEER", {"", "x"}), "RAWPEER sent  '' 'x'");
}

TEST(ProbeFormat, DirectMessageLine) {
  EXPECT_EQ(probe_direct("OTHER", 7, "hello world"), "OTHER sent a direct message, id=7, message=hello world");
}

TEST(ProbeFormat, BindLineHasSpacesAroundTheColon) {
  EXPECT_EQ(probe_bind("IVYPROBE", "127.0.0.1", 2, "^foo (.*)"),
            "Application: IVYPROBE on 127.0.0.1 add regexp 2 : ^foo (.*)");
}

TEST(ProbeFormat, UnbindLineHasNoSpaceAfterTheColon) {
  EXPECT_EQ(probe_unbind("IVYPROBE", "127.0.0.1", 2, ""), "Application: IVYPROBE on 127.0.0.1 remove regexp 2 :");
  EXPECT_EQ(probe_unbind("IVYPROBE", "127.0.0.1", 3, "^x"), "Application: IVYPROBE on 127.0.0.1 remove regexp 3 :^x");
}

TEST(ProbeFormat, CompileErrorLineMatchesIvyprobe) {
  EXPECT_EQ(probe_compile_error("(x", "missing closing parenthesis"),
            "Error compiling '(x', missing closing parenthesis, not bound");
}

TEST(ProbeFormat, SentLineUsesSingularOnlyForOnePeer) {
  EXPECT_EQ(probe_sent(0), "-> Sent to 0 peers");
  EXPECT_EQ(probe_sent(1), "-> Sent to 1 peer");
  EXPECT_EQ(probe_sent(2), "-> Sent to 2 peers");
}

TEST(ProbeFormat, PongPrintsMillisecondsWithThreeDecimals) {
  EXPECT_EQ(probe_pong("OTHER", 123us), "OTHER respond to ping in 0.123 ms");
  EXPECT_EQ(probe_pong("OTHER", 1500us), "OTHER respond to ping in 1.500 ms");
  EXPECT_EQ(probe_pong("OTHER", 0us), "OTHER respond to ping in 0.000 ms");
}

TEST(ProbeFormat, PingTimeoutKeepsIvyprobeSpelling) {
  EXPECT_EQ(probe_ping_timeout("OTHER", 5000ms), "OTHER ping timout after 5000 ms");
}

TEST(ProbeFormat, TimestampIsLocalTimeWithMilliseconds) {
  const auto when = std::chrono::system_clock::from_time_t(1'795'600'800) + 45ms;
  const std::time_t t = 1'795'600'800;
  std::tm tm{};
  localtime_r(&t, &tm);
  char expected[32];
  std::snprintf(expected, sizeof expected, "[%02d:%02d:%02d.045] ", tm.tm_hour, tm.tm_min, tm.tm_sec);
  EXPECT_EQ(probe_timestamp(when), expected);
}

// --- input lines -------------------------------------------------------------------

TEST(ProbeParse, LineNotStartingWithDotIsSentVerbatim) {
  const auto c = parse_probe_line("hello world");
  EXPECT_EQ(c.kind, Kind::kSend);
  EXPECT_EQ(c.text, "hello world");
  const auto spaced = parse_probe_line(" .who");
  EXPECT_EQ(spaced.kind, Kind::kSend);
  EXPECT_EQ(spaced.text, " .who");
}

TEST(ProbeParse, EmptyLineIsAnEmptyMessage) {
  const auto c = parse_probe_line("");
  EXPECT_EQ(c.kind, Kind::kSend);
  EXPECT_EQ(c.text, "");
}

TEST(ProbeParse, TrailingCarriageReturnIsStripped) {
  EXPECT_EQ(parse_probe_line("hello\r").text, "hello");
  EXPECT_EQ(parse_probe_line(".who\r").kind, Kind::kWho);
  EXPECT_EQ(parse_probe_line(".bind 'x (.*)'\r").text, "x (.*)");
  EXPECT_EQ(parse_probe_line(".ping OTHER\r").text, "OTHER");
}

TEST(ProbeParse, CommandsWithoutArguments) {
  EXPECT_EQ(parse_probe_line(".help").kind, Kind::kHelp);
  EXPECT_EQ(parse_probe_line(".quit").kind, Kind::kQuit);
  EXPECT_EQ(parse_probe_line(".who").kind, Kind::kWho);
  EXPECT_EQ(parse_probe_line(".showbind").kind, Kind::kShowBind);
}

TEST(ProbeParse, BindTakesTheRegexpWithOrWithoutQuotes) {
  for (const char* line : {".bind '^foo (.*)'", ".bind \"^foo (.*)\"", ".bind ^foo (.*)", ".bind   '^foo (.*)'  "}) {
    const auto c = parse_probe_line(line);
    EXPECT_EQ(c.kind, Kind::kBind) << line;
    EXPECT_EQ(c.text, "^foo (.*)") << line;
  }
}

TEST(ProbeParse, BindWithoutRegexpIsInvalidWithUsage) {
  for (const char* line : {".bind", ".bind   ", ".bind ''"}) {
    const auto c = parse_probe_line(line);
    EXPECT_EQ(c.kind, Kind::kInvalid) << line;
    EXPECT_EQ(c.text, "usage: .bind 'regexp'") << line;
  }
}

TEST(ProbeParse, UnbindTakesANumericId) {
  const auto c = parse_probe_line(".unbind 3");
  EXPECT_EQ(c.kind, Kind::kUnbind);
  EXPECT_EQ(c.id, 3);
  for (const char* line : {".unbind", ".unbind x", ".unbind 3x"}) {
    const auto bad = parse_probe_line(line);
    EXPECT_EQ(bad.kind, Kind::kInvalid) << line;
    EXPECT_EQ(bad.text, "usage: .unbind ID") << line;
  }
}

TEST(ProbeParse, WhereDieAndPingTakeAnAgentName) {
  const struct {
    const char* command;
    Kind kind;
  } cases[] = {{".where", Kind::kWhere}, {".die", Kind::kDie}, {".ping", Kind::kPing}};
  for (const auto& k : cases) {
    const auto c = parse_probe_line(std::string(k.command) + " OTHER");
    EXPECT_EQ(c.kind, k.kind) << k.command;
    EXPECT_EQ(c.text, "OTHER") << k.command;
    const auto bad = parse_probe_line(k.command);
    EXPECT_EQ(bad.kind, Kind::kInvalid) << k.command;
    EXPECT_EQ(bad.text, std::string("usage: ") + k.command + " AGENT");
  }
}

TEST(ProbeParse, DirectTakesAgentIdAndTextWithOrWithoutQuotes) {
  for (const char* line : {".direct OTHER 7 'hello world'", ".direct OTHER 7 hello world", ".direct  OTHER  7  \"hello world\""}) {
    const auto c = parse_probe_line(line);
    EXPECT_EQ(c.kind, Kind::kDirect) << line;
    EXPECT_EQ(c.text, "OTHER") << line;
    EXPECT_EQ(c.id, 7) << line;
    EXPECT_EQ(c.payload, "hello world") << line;
  }
}

TEST(ProbeParse, DirectWithoutAgentOrNumericIdIsInvalidWithUsage) {
  for (const char* line : {".direct", ".direct OTHER", ".direct OTHER x hello"}) {
    const auto c = parse_probe_line(line);
    EXPECT_EQ(c.kind, Kind::kInvalid) << line;
    EXPECT_EQ(c.text, "usage: .direct AGENT ID 'text'") << line;
  }
}

TEST(ProbeParse, UnknownCommandIsInvalidAndPointsToHelp) {
  const auto c = parse_probe_line(".frobnicate now");
  EXPECT_EQ(c.kind, Kind::kInvalid);
  EXPECT_NE(c.text.find("'.frobnicate'"), std::string::npos) << c.text;
  EXPECT_NE(c.text.find(".help"), std::string::npos) << c.text;
}

TEST(ProbeParse, HelpTextListsEveryCommand) {
  const std::string help = kProbeCommandsHelp;
  for (const char* command : {".help", ".quit", ".bind", ".unbind", ".showbind", ".who", ".where", ".direct", ".die",
                              ".ping"}) {
    EXPECT_NE(help.find(command), std::string::npos) << command;
  }
}

}  // namespace
}  // namespace ivy::ctl
