// How `ivyctl lint` prints its report (daemon/ivyctl/lint_format.cpp).
#include "daemon/ivyctl/lint_format.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace ivy::ctl {
namespace {

LintSubscription sub(std::string bus, std::string agent, std::int32_t id, std::string pattern) {
  return LintSubscription{std::move(bus),     agent,       "app-" + agent, id,
                          std::move(pattern), std::nullopt};
}

TEST(LintFormat, TextGroupsByCheckThenPattern) {
  const auto report =
      lint_subscriptions({sub("main", "A", 3, "^(abc"), sub("main", "B", 0, "hello (?<n>x)"),
                          sub("main", "C", 1, "^ok")});
  const std::string text = format_lint_text(report, {"live", "/run/ivyd/ivyd.sock"});
  EXPECT_EQ(
      text.rfind("ivyctl lint: 3 subscriptions, 3 patterns, 3 agents (live, /run/ivyd/ivyd.sock)\n",
                 0),
      0u)
      << text;
  EXPECT_NE(text.find("\ninvalid - patterns PCRE2 cannot compile (1)\n  '^(abc'  A#3\n      PCRE2: "
                      "missing closing "
                      "parenthesis at offset 5; ivyd and ivy-c agents ignore it\n"),
            std::string::npos)
      << text;
  // One pattern header, then one line per difference.
  EXPECT_NE(
      text.find("\ndialect - patterns ivy-python senders read differently from ivy-c ones (1)\n"
                "  'hello (?<n>x)'  B#0\n      not anchored"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("\n      (?<n>: named group"), std::string::npos) << text;
  EXPECT_NE(text.find("\n3 problems in 2 patterns (invalid 1, dialect 2)\n"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("^ok"), std::string::npos) << text;
}

TEST(LintFormat, CleanReportSaysSo) {
  const auto report = lint_subscriptions({sub("main", "C", 1, "^ok")});
  const std::string text = format_lint_text(report, {"recording", "rec.db"});
  EXPECT_EQ(text,
            "ivyctl lint: 1 subscriptions, 1 patterns, 1 agents (recording, rec.db)\n\nclean: no "
            "problems found\n");
}

TEST(LintFormat, SeveralBusesNameTheBusAndManyHoldersAreCut) {
  std::vector<LintSubscription> subs;
  for (int i = 0; i < 10; ++i)
    subs.push_back(sub(i % 2 ? "side" : "main", "P" + std::to_string(i), i, "(.*)"));
  const std::string text = format_lint_text(lint_subscriptions(subs), {"live", "s"});
  EXPECT_NE(text.find("  '(.*)'  main/P0#0, side/P1#1, main/P2#2"), std::string::npos) << text;
  EXPECT_NE(text.find("main/P6#6, side/P7#7 and 2 more\n"), std::string::npos) << text;
}

// Names and patterns are bytes from the network: no terminal escape gets
// through to the text report.
TEST(LintFormat, ControlBytesAreShownEscaped) {
  const auto report = lint_subscriptions({sub("main", "EVIL\x1b[2J", 0, "^(\x1b]0;x\x07")});
  const std::string text = format_lint_text(report, {"live", "s"});
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
  EXPECT_NE(text.find("EVIL\\x1B[2J#0"), std::string::npos) << text;
  EXPECT_EQ(printable("a\tb\x7f"), "a\\x09b\\x7F");
}

TEST(LintFormat, JsonHasEveryFindingWithItsHolders) {
  const auto report =
      lint_subscriptions({sub("main", "A", 3, "^(abc"), sub("main", "B", 0, "^(a+)+$"),
                          sub("main", "C", 0, "caf\xe9 (.*)")});
  const auto doc = nlohmann::json::parse(format_lint_json(report, {"live", "sock"}));
  EXPECT_EQ(doc["source"], "live");
  EXPECT_EQ(doc["subscriptions"], 3);
  EXPECT_EQ(doc["clean"], false);
  EXPECT_EQ(doc["problems"], report.problems());
  ASSERT_EQ(doc["findings"].size(), report.findings.size());
  EXPECT_EQ(doc["findings"][0]["check"], "invalid");
  EXPECT_EQ(doc["findings"][0]["offset"], 5);
  EXPECT_EQ(doc["findings"][0]["holders"][0],
            (nlohmann::json{{"bus", "main"}, {"agent", "A"}, {"app_id", "app-A"}, {"id", 3}}));
  bool example = false;
  for (const auto& f : doc["findings"])
    example = example || (f["check"] == "backtracking" && f.contains("example"));
  EXPECT_TRUE(example) << doc.dump(2);
}

}  // namespace
}  // namespace ivy::ctl
