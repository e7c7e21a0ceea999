#include "core/peer_session.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/line_framer.hpp"

namespace ivy {
namespace {

using namespace std::string_literals;
namespace ev = peer_event;
using State = PeerSession::State;

PeerIdentity c_probe() {
  PeerIdentity id;
  id.ip = "127.0.0.1";
  id.port = 39931;
  id.app_id = "140011005:1795542576645:39931";
  id.name = "CPROBE";
  return id;
}

// A copy of the event of `out`, which must be of type T (a copy, so that
// `const auto& e = event_as<T>(s.on_line(...))` does not dangle).
template <class T>
T event_as(const PeerOutput& out) {
  EXPECT_TRUE(out.event.has_value());
  if (!out.event) return T{};
  const T* e = std::get_if<T>(&*out.event);
  EXPECT_NE(e, nullptr) << "event index " << out.event->index();
  return e ? *e : T{};
}

// ---- Identity ----

TEST(PeerSession, ShowsIdentityLikeIvyPython) {
  PeerIdentity id = c_probe();
  EXPECT_EQ(id.display(), "127.0.0.1:39931 (CPROBE)");
  EXPECT_EQ(id.user_display(), "CPROBE@127.0.0.1");
  id.host = "localhost";
  EXPECT_EQ(id.user_display(), "CPROBE@localhost");
  EXPECT_EQ(id.display(), "127.0.0.1:39931 (CPROBE)");
}

TEST(PeerSession, ComparesIdentitiesByIpAndPort) {
  PeerIdentity a = c_probe();
  PeerIdentity b = a;
  b.name = "OTHER";
  b.app_id = "x";
  b.host = "elsewhere";
  EXPECT_EQ(a, b);
  b.port = 1;
  EXPECT_FALSE(a == b);
  b = a;
  b.ip = "10.0.0.1";
  EXPECT_FALSE(a == b);
}

// ---- Lifecycle ----

TEST(PeerSession, GoesFromHandshakingToReadyToClosed) {
  PeerSession s(c_probe());
  EXPECT_EQ(s.state(), State::kHandshaking);
  EXPECT_FALSE(s.started());
  event_as<ev::Started>(
      s.on_line("6 39931\x02" "CPROBE"s));
  EXPECT_TRUE(s.started());
  EXPECT_EQ(s.state(), State::kHandshaking);
  const auto ready = s.on_line("5 0\x02"s);
  event_as<ev::Ready>(ready);
  EXPECT_FALSE(ready.close);
  EXPECT_TRUE(ready.reply.empty());
  EXPECT_EQ(s.state(), State::kReady);
  const auto bye = s.on_line("0 0\x02"s);
  event_as<ev::Bye>(bye);
  EXPECT_TRUE(bye.close);
  EXPECT_EQ(s.state(), State::kClosed);
}

TEST(PeerSession, HandlesTheIvyCHandshakeFedByteByByteAndInBulk) {
  const std::string stream =
      "6 39931\x02" "CPROBE\n"
      "1 1\x02^b(.*)\n"
      "1 0\x02^a(.*)\n"
      "5 0\x02\n"
      "2 4\x02" "dle\x03\n"s;
  for (std::size_t chunk : {std::size_t{1}, std::size_t{5}, stream.size()}) {
    PeerSession s(PeerIdentity{"127.0.0.1", 0, "", "", ""});
    LineFramer framer;
    std::vector<std::size_t> events;
    for (std::size_t i = 0; i < stream.size(); i += chunk) {
      framer.feed(std::string_view(stream).substr(i, chunk));
      while (auto line = framer.next()) {
        const auto out = s.on_line(*line);
        ASSERT_TRUE(out.event);
        events.push_back(out.event->index());
      }
    }
    EXPECT_EQ(events, (std::vector<std::size_t>{0, 2, 2, 1, 5})) << "chunk " << chunk;
    EXPECT_EQ(s.state(), State::kReady);
    EXPECT_EQ(s.identity().name, "CPROBE");
    EXPECT_EQ(s.identity().port, 39931);
    EXPECT_EQ(s.regexps(), (std::map<int, std::string>{{0, "^a(.*)"}, {1, "^b(.*)"}}));
    EXPECT_EQ(s.frames_received(), 5u);
  }
}

TEST(PeerSession, StartSetsNameAndPort) {
  PeerIdentity id{"10.1.2.3", 50000, "", "", ""};  // an accepted link: ephemeral port, no name
  PeerSession s(id);
  const auto& started = event_as<ev::Started>(s.on_line("6 35123\x02My Agent"s));
  EXPECT_EQ(started.port, 35123);
  EXPECT_EQ(started.name, "My Agent");
  EXPECT_EQ(s.identity().name, "My Agent");
  EXPECT_EQ(s.identity().port, 35123);
  EXPECT_EQ(s.identity().display(), "10.1.2.3:35123 (My Agent)");
}

TEST(PeerSession, StartWithAnUnusablePortKeepsTheKnownPort) {
  for (const char* line : {"6 0\x02X", "6 70000\x02X", "6 -5\x02X"}) {
    PeerSession s(c_probe());
    event_as<ev::Started>(s.on_line(line));
    EXPECT_EQ(s.identity().port, 39931) << line;
    EXPECT_EQ(s.identity().name, "X");
  }
}

TEST(PeerSession, ReportsASecondStartAsIllegalStateAndKeepsTheLink) {
  PeerSession s(c_probe());
  (void)s.on_line(
      "6 39931\x02" "CPROBE"s);
  const auto out = s.on_line("6 1\x02OTHER"s);
  EXPECT_NE(event_as<ev::IllegalState>(out).reason.find("START_REGEXP received twice"),
            std::string::npos);
  EXPECT_FALSE(out.close);
  EXPECT_EQ(s.identity().name, "CPROBE");
  EXPECT_EQ(s.identity().port, 39931);
}

TEST(PeerSession, ReportsASecondEndAsIllegalStateAndKeepsTheLink) {
  PeerSession s(c_probe());
  event_as<ev::Ready>(s.on_line("5 0\x02"s));
  const auto out = s.on_line("5 0\x02"s);
  EXPECT_NE(event_as<ev::IllegalState>(out).reason.find("END_REGEXP received twice"),
            std::string::npos);
  EXPECT_FALSE(out.close);
  EXPECT_EQ(s.state(), State::kReady);
}

TEST(PeerSession, EndInitTwiceIsAnErrorValue) {
  PeerSession s(c_probe());
  s.start_init("CPROBE", 39931);
  EXPECT_TRUE(s.end_init());
  const auto st = s.end_init();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("127.0.0.1:39931 (CPROBE)"), std::string::npos)
      << st.error().message;
  EXPECT_EQ(s.state(), State::kReady);
}

TEST(PeerSession, StartInitRecordsNameAndValidPortOnly) {
  PeerSession s(c_probe());
  s.start_init("NEW", 0);
  EXPECT_TRUE(s.started());
  EXPECT_EQ(s.identity().name, "NEW");
  EXPECT_EQ(s.identity().port, 39931);
  s.start_init("NEW", 4000);
  EXPECT_EQ(s.identity().port, 4000);
}

TEST(PeerSession, IgnoresLinesAfterClose) {
  PeerSession s(c_probe());
  s.close();
  EXPECT_EQ(s.state(), State::kClosed);
  for (const auto& line : {"2 4\x02" "dle\x03"s,
                           "9 1\x02"s, "garbage"s, "1 0\x02x"s}) {
    const auto out = s.on_line(line);
    EXPECT_FALSE(out.event);
    EXPECT_TRUE(out.reply.empty());
    EXPECT_FALSE(out.close);
  }
  EXPECT_TRUE(s.regexps().empty());
  EXPECT_EQ(s.frames_received(), 0u);
  EXPECT_EQ(s.malformed_lines(), 0u);
}

TEST(PeerSession, IgnoresLinesAfterBye) {
  PeerSession s(c_probe());
  (void)s.on_line("0 0\x02"s);
  EXPECT_FALSE(s.on_line("9 1\x02"s).event);
  EXPECT_FALSE(s.on_line("0 0\x02"s).event);
}

// ---- Regexp table ----

TEST(PeerSession, AddsSubscriptions) {
  PeerSession s(c_probe());
  const auto& added = event_as<ev::SubscriptionAdded>(s.on_line("1 0\x02^CTEST (.*)"s));
  EXPECT_EQ(added.id, 0);
  EXPECT_EQ(added.pattern, "^CTEST (.*)");
  EXPECT_FALSE(added.replaced);
  EXPECT_EQ(s.regexps(), (std::map<int, std::string>{{0, "^CTEST (.*)"}}));
}

TEST(PeerSession,
     AcceptsSubscriptionsBeforeStartAndEnd) {  // §5.1: any time after START; we are lenient
  PeerSession s(c_probe());
  event_as<ev::SubscriptionAdded>(s.on_line("1 3\x02x"s));
  event_as<ev::Message>(s.on_line("2 3\x02x\x03"s));
  EXPECT_EQ(s.state(), State::kHandshaking);
}

TEST(PeerSession, ReplacesOnAddWithAnExistingId) {  // §6.6, Q-C-2
  PeerSession s(c_probe());
  (void)s.on_line("1 2\x02^old"s);
  const auto& added = event_as<ev::SubscriptionAdded>(s.on_line("1 2\x02^new"s));
  EXPECT_EQ(added.id, 2);
  EXPECT_EQ(added.pattern, "^new");
  ASSERT_TRUE(added.replaced);
  EXPECT_EQ(*added.replaced, "^old");
  EXPECT_EQ(s.regexps(), (std::map<int, std::string>{{2, "^new"}}));
}

TEST(PeerSession, RemovesSubscriptionsAndReturnsThePattern) {
  PeerSession s(c_probe());
  (void)s.on_line("1 2\x02^a(.*)"s);
  (void)s.on_line("1 3\x02^b"s);
  const auto& removed = event_as<ev::SubscriptionRemoved>(s.on_line("4 2\x02"s));
  EXPECT_EQ(removed.id, 2);
  EXPECT_EQ(removed.pattern, "^a(.*)");
  EXPECT_EQ(s.regexps(), (std::map<int, std::string>{{3, "^b"}}));
}

TEST(PeerSession, IgnoresDelOfAnUnknownId) {
  PeerSession s(c_probe());
  (void)s.on_line("1 3\x02^b"s);
  const auto out = s.on_line("4 99\x02"s);
  EXPECT_FALSE(out.event);
  EXPECT_TRUE(out.reply.empty());
  EXPECT_FALSE(out.close);
  EXPECT_EQ(s.regexps().size(), 1u);
}

TEST(PeerSession, ExposesTheTableOperationsDirectly) {
  PeerSession s(c_probe());
  EXPECT_FALSE(s.add_regexp(1, "a"));
  EXPECT_EQ(s.add_regexp(1, "b"), std::optional<std::string>("a"));
  EXPECT_EQ(s.remove_regexp(1), std::optional<std::string>("b"));
  EXPECT_FALSE(s.remove_regexp(1));
}

TEST(PeerSession, RefusesAPatternOverTheSizeLimit) {
  PeerLimits limits;
  limits.max_pattern_bytes = 100;
  PeerSession s(c_probe(), limits);
  const auto out = s.on_line("1 5\x02" + std::string(101, 'x'));
  const auto& refused = event_as<ev::SubscriptionRefused>(out);
  EXPECT_EQ(refused.id, 5);
  EXPECT_EQ(refused.pattern, std::string(PeerSession::kSnippetBytes, 'x'));  // a snippet only
  EXPECT_NE(refused.reason.find("longer than 100 bytes"), std::string::npos);
  EXPECT_FALSE(out.close);
  EXPECT_TRUE(s.regexps().empty());
  event_as<ev::SubscriptionAdded>(s.on_line("1 5\x02" + std::string(100, 'x')));
}

TEST(PeerSession, RefusesSubscriptionsOverTheCountLimitButAllowsReplace) {
  PeerLimits limits;
  limits.max_subscriptions = 2;
  PeerSession s(c_probe(), limits);
  (void)s.on_line(
      "1 0\x02" "a"s);
  (void)s.on_line(
      "1 1\x02" "b"s);
  const auto& refused =
      event_as<ev::SubscriptionRefused>(s.on_line("1 2\x02" "c"s));
  EXPECT_EQ(refused.id, 2);
  EXPECT_EQ(refused.pattern, "c");
  EXPECT_NE(refused.reason.find("more than 2 subscriptions"), std::string::npos);
  EXPECT_EQ(s.regexps().size(), 2u);
  const auto& replaced =
      event_as<ev::SubscriptionAdded>(s.on_line("1 1\x02" "B"s));
  EXPECT_EQ(replaced.replaced, std::optional<std::string>("b"));
  (void)s.on_line("4 0\x02"s);
  event_as<ev::SubscriptionAdded>(
      s.on_line("1 2\x02" "c"s));
}

// ---- Every event type ----

TEST(PeerSession, DeliversMessagesWithTheirArguments) {
  PeerSession s(c_probe());
  const auto& m =
      event_as<ev::Message>(s.on_line("2 4\x02" "dle\x03"s));
  EXPECT_EQ(m.id, 4);
  EXPECT_EQ(m.args, std::vector<std::string>{"dle"});
  EXPECT_EQ(event_as<ev::Message>(s.on_line("2 9\x02"s)).args.size(), 0u);
  EXPECT_EQ(event_as<ev::Message>(s.on_line("2 9\x02" "a\x03" "b"s))
                .args,
            (std::vector<std::string>{"a", "b"}));
}

TEST(PeerSession, DeliversTwoHundredArguments) {
  std::string line = "2 1\x02";
  for (int i = 0; i < 200; ++i) line += "x\x03";
  PeerSession s(c_probe());
  EXPECT_EQ(event_as<ev::Message>(s.on_line(line)).args.size(), 200u);
}

TEST(PeerSession, DeliversDirectMessagesAsRawText) {
  PeerSession s(c_probe());
  const auto& d = event_as<ev::Direct>(s.on_line("7 42\x02hello\x03world"s));
  EXPECT_EQ(d.id, 42);
  EXPECT_EQ(d.text, "hello\x03world");
}

TEST(PeerSession, ReportsDieWithoutClosing) {
  PeerSession s(c_probe());
  const auto out = s.on_line("8 0\x02"s);
  EXPECT_EQ(event_as<ev::Die>(out).id, 0);
  EXPECT_FALSE(out.close);
  EXPECT_NE(s.state(), State::kClosed);
}

TEST(PeerSession, AnswersPingWithPong) {  // §7.4 [V]
  PeerSession s(c_probe());
  const auto out = s.on_line("9 1\x02"s);
  EXPECT_EQ(event_as<ev::Ping>(out).id, 1);
  EXPECT_EQ(out.reply, "10 1\x02\n"s);
  EXPECT_EQ(s.on_line("9 -77\x02"s).reply, "10 -77\x02\n"s);
}

TEST(PeerSession, ReportsPongWithoutReply) {
  PeerSession s(c_probe());
  const auto out = s.on_line("10 1\x02"s);
  EXPECT_EQ(event_as<ev::Pong>(out).id, 1);
  EXPECT_TRUE(out.reply.empty());
}

TEST(PeerSession, ReportsPeerErrors) {
  PeerSession s(c_probe());
  const auto& e =
      event_as<ev::PeerError>(s.on_line("3 1\x02" "Error compiling '(', missing )"s));
  EXPECT_EQ(e.id, 1);
  EXPECT_EQ(e.text, "Error compiling '(', missing )");
}

TEST(PeerSession, ReportsMalformedLinesWithASnippetAndKeepsTheLink) {
  PeerSession s(c_probe());
  const auto out = s.on_line("hello\tworld");
  const auto& m = event_as<ev::Malformed>(out);
  EXPECT_NE(m.reason.find("STX"), std::string::npos);
  EXPECT_EQ(m.snippet, "hello\\x09world");
  EXPECT_FALSE(out.close);
  EXPECT_TRUE(out.reply.empty());
  EXPECT_EQ(s.malformed_lines(), 1u);
  EXPECT_EQ(s.frames_received(), 0u);
  event_as<ev::Malformed>(
      s.on_line("2 x\x02" "a"s));
  EXPECT_EQ(s.malformed_lines(), 2u);
  event_as<ev::Message>(
      s.on_line("2 4\x02" "dle\x03"s));  // the link goes on
}

TEST(PeerSession, ReportsUnknownTypesAndIgnoresThem) {
  PeerSession s(c_probe());
  for (int type : {11, 99, -1}) {
    const auto out = s.on_line(std::to_string(type) +
                               " 0\x02" "x");
    EXPECT_EQ(event_as<ev::UnknownType>(out).type, type);
    EXPECT_FALSE(out.close);
    EXPECT_TRUE(out.reply.empty());
  }
  EXPECT_EQ(s.frames_received(), 3u);
  EXPECT_EQ(s.state(), State::kHandshaking);
}

TEST(PeerSession, SurvivesEverySingleByteCorruptionOfAHandshake) {
  const std::vector<std::string> lines = {
      "6 39931\x02" "CPROBE"s,
      "1 0\x02^CTEST (.*)"s, "5 0\x02"s,
      "2 4\x02" "dle\x03"s};
  for (std::size_t l = 0; l < lines.size(); ++l) {
    for (std::size_t pos = 0; pos < lines[l].size(); ++pos) {
      for (int b = 0; b < 256; b += 3) {
        PeerSession s(c_probe());
        std::size_t handled = 0;
        for (std::size_t k = 0; k < lines.size() && s.state() != State::kClosed; ++k, ++handled) {
          std::string line = lines[k];
          if (k == l) line[pos] = static_cast<char>(b);
          const auto out = s.on_line(line);
          EXPECT_TRUE(out.event || line.rfind("4 ", 0) == 0) << ::testing::PrintToString(line);
          EXPECT_EQ(out.close, s.state() == State::kClosed);
          if (!out.reply.empty()) {  // only a PING gets a reply: the PONG
            EXPECT_EQ(out.reply.rfind("10 ", 0), 0u);
            EXPECT_EQ(out.reply.substr(out.reply.size() - 2), "\x02\n"s);
          }
        }
        EXPECT_EQ(s.frames_received() + s.malformed_lines(), handled);
      }
    }
  }
}

// ---- Our side of the handshake ----

TEST(PeerSession, BuildsTheHandshakeBytes) {  // §5.1
  const auto hs = PeerSession::handshake(39931, "CPROBE", {{0, "^CTEST (.*)"}, {3, "^x(y)?(z)"}});
  ASSERT_TRUE(hs);
  EXPECT_EQ(*hs,
            "6 39931\x02" "CPROBE\n"
            "1 0\x02^CTEST (.*)\n"
            "1 3\x02^x(y)?(z)\n"
            "5 0\x02\n"s);
  EXPECT_EQ(*PeerSession::handshake(2010, "ivyd", {}),
            "6 2010\x02ivyd\n"
            "5 0\x02\n"s);
}

TEST(PeerSession, RefusesAHandshakeThatCannotGoOnTheWire) {
  const auto bad_name = PeerSession::handshake(2010, "bad\nname", {});
  ASSERT_FALSE(bad_name);
  EXPECT_NE(bad_name.error().message.find("agent name"), std::string::npos);
  const auto bad_re = PeerSession::handshake(2010, "ivyd",
                                             {{1,
                                               "a\x03" "b"}});
  ASSERT_FALSE(bad_re);
  EXPECT_NE(bad_re.error().message.find("regexp"), std::string::npos);
}

TEST(PeerSession, HandshakeIsAcceptedByAnotherSession) {
  const auto hs = PeerSession::handshake(4242, "ivyd", {{7, "^a(.*)"}, {8, "b"}});
  ASSERT_TRUE(hs);
  PeerSession s(PeerIdentity{"127.0.0.1", 0, "", "", ""});
  LineFramer framer;
  framer.feed(*hs);
  while (auto line = framer.next()) ASSERT_TRUE(s.on_line(*line).event);
  EXPECT_EQ(s.state(), State::kReady);
  EXPECT_EQ(s.identity().display(), "127.0.0.1:4242 (ivyd)");
  EXPECT_EQ(s.regexps(), (std::map<int, std::string>{{7, "^a(.*)"}, {8, "b"}}));
}

// ---- Snippets ----

TEST(PeerSession, EscapesControlBytesInSnippets) {
  EXPECT_EQ(line_snippet("2 4\x02" "dle\x03"s),
            "2 4\\x02dle\\x03");
  EXPECT_EQ(line_snippet("a\0b\r\x7f"s), "a\\x00b\\x0d\\x7f");
  EXPECT_EQ(line_snippet("caf\xe9"), "caf\xe9");  // bytes >= 0x80 are kept
  EXPECT_EQ(line_snippet(""), "");
}

TEST(PeerSession, TruncatesLongSnippets) {
  const std::string line(100, 'x');
  EXPECT_EQ(line_snippet(line), std::string(64, 'x') + "...(100 bytes)");
  EXPECT_EQ(line_snippet(line, 10), std::string(10, 'x') + "...(100 bytes)");
  EXPECT_EQ(line_snippet(std::string(64, 'y')), std::string(64, 'y'));
  EXPECT_EQ(line_snippet("\x01\x02\x03", 2), "\\x01\\x02...(3 bytes)");
}

TEST(PeerSession, TruncatesTheSnippetOfAnOversizeMalformedLine) {
  PeerSession s(c_probe());
  const auto& m = event_as<ev::Malformed>(s.on_line(std::string(10000, 'z')));
  EXPECT_EQ(m.snippet, std::string(64, 'z') + "...(10000 bytes)");
}

}  // namespace
}  // namespace ivy
