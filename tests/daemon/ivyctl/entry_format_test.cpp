// How `ivyctl query/export` print entries (daemon/ivyctl/entry_format.cpp):
// text, JSON lines and CSV for every EntryKind, CSV quoting, and JSON that
// survives the invalid UTF-8 an Ivy bus may carry.
#include "daemon/ivyctl/entry_format.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

namespace ivy::ctl {
namespace {

using storage::Entry;
using storage::EntryKind;
using nlohmann::json;

constexpr std::int64_t kAt = 1'795'600'800'123'456'789;  // 2026-11-25T10:00:00.123456789Z
constexpr const char* kAtText = "2026-11-25 10:00:00.123456 ";
constexpr const char* kAtIso = "2026-11-25T10:00:00.123456Z";

Entry entry(EntryKind kind, std::string text = {}, std::int64_t code = 0) {
  Entry e;
  e.kind = kind;
  e.wall_ns = kAt;
  e.agent.name = "ALPHA";
  e.agent.app_id = "app-1";
  e.agent.host = "127.0.0.1";
  e.agent.port = 4001;
  e.agent.bus = "127.255.255.255:2010";
  e.text = std::move(text);
  e.code = code;
  return e;
}

Entry msg_to_two() {
  Entry e = entry(EntryKind::kMsg, "pos 1");
  e.receivers = {{"BETA", "app-2", 1}, {"GAMMA", "app-3", 0}};
  return e;
}

// --- parse_output_format ----------------------------------------------------------

TEST(EntryFormat, ParsesTheThreeFormatNames) {
  EXPECT_EQ(parse_output_format("text"), OutputFormat::kText);
  EXPECT_EQ(parse_output_format("json"), OutputFormat::kJson);
  EXPECT_EQ(parse_output_format("jsonl"), OutputFormat::kJson);
  EXPECT_EQ(parse_output_format("csv"), OutputFormat::kCsv);
  EXPECT_EQ(parse_output_format("xml"), std::nullopt);
  EXPECT_EQ(parse_output_format(""), std::nullopt);
  EXPECT_EQ(parse_output_format("JSON"), std::nullopt);
}

// --- text ----------------------------------------------------------------------

TEST(EntryFormat, TextTimeIsUtcWithMicroseconds) {
  EXPECT_EQ(format_time(kAt, TimeZone::kUtc), "2026-11-25 10:00:00.123456");
}

TEST(EntryFormat, TextMessageListsItsReceivers) {
  EXPECT_EQ(format_text(msg_to_two(), TimeZone::kUtc), std::string(kAtText) + "ALPHA sent 'pos 1' -> BETA#1 GAMMA#0");
  EXPECT_EQ(format_text(entry(EntryKind::kMsg, "lonely"), TimeZone::kUtc),
            std::string(kAtText) + "ALPHA sent 'lonely' -> nobody");
}

TEST(EntryFormat, TextMessageShowsWhereABridgedCopyCameFrom) {
  Entry e = entry(EntryKind::kMsg, "x");
  e.origin = {"far-bus", "FARAGENT"};
  EXPECT_EQ(format_text(e, TimeZone::kUtc), std::string(kAtText) + "ALPHA sent 'x' -> nobody (bridged from FARAGENT@far-bus)");
}

TEST(EntryFormat, TextForEveryOtherKind) {
  const std::string t = kAtText;
  EXPECT_EQ(format_text(entry(EntryKind::kDirect, "hi there", 7), TimeZone::kUtc),
            t + "ALPHA sent a direct message, id=7, message=hi there");
  EXPECT_EQ(format_text(entry(EntryKind::kJoin), TimeZone::kUtc),
            t + "ALPHA joined from 127.0.0.1:4001 on bus 127.255.255.255:2010");
  EXPECT_EQ(format_text(entry(EntryKind::kLeave, "bye"), TimeZone::kUtc), t + "ALPHA left (bye)");
  EXPECT_EQ(format_text(entry(EntryKind::kLeave), TimeZone::kUtc), t + "ALPHA left (unknown)");
  EXPECT_EQ(format_text(entry(EntryKind::kBind, "^pos (.*)", 1), TimeZone::kUtc), t + "ALPHA add regexp 1 : ^pos (.*)");
  EXPECT_EQ(format_text(entry(EntryKind::kUnbind, "", 1), TimeZone::kUtc), t + "ALPHA remove regexp 1");
  EXPECT_EQ(format_text(entry(EntryKind::kDie, "", 3), TimeZone::kUtc), t + "ALPHA sent DIE 3");
  EXPECT_EQ(format_text(entry(EntryKind::kError, "bad regexp", 4), TimeZone::kUtc), t + "ALPHA sent ERROR 4 bad regexp");
  Entry gap = entry(EntryKind::kGap, "", 12);
  gap.agent = {};
  gap.end_ns = kAt + 2'000'000'000;
  EXPECT_EQ(format_text(gap, TimeZone::kUtc), t + "GAP: 12 records lost until 2026-11-25 10:00:02.123456");
  Entry dropped = entry(EntryKind::kDropped, "", 345);
  dropped.end_ns = kAt + 1'500'000'000;
  EXPECT_EQ(format_text(dropped, TimeZone::kUtc),
            t + "ALPHA missed 345 frames (its queue was full) until 2026-11-25 10:00:01.623456");
}

TEST(EntryFormat, TextShowsAQuestionMarkForAnUnnamedAgent) {
  Entry e = entry(EntryKind::kJoin);
  e.agent.name.clear();
  EXPECT_EQ(format_text(e, TimeZone::kUtc).substr(std::string(kAtText).size(), 2), "? ");
}

// --- JSON ----------------------------------------------------------------------

TEST(EntryFormat, JsonMessageHasAgentTextAndReceivers) {
  const auto j = json::parse(format_json(msg_to_two()));
  EXPECT_EQ(j["kind"], "msg");
  EXPECT_EQ(j["time"], kAtIso);
  EXPECT_EQ(j["wall_ns"], kAt);
  EXPECT_EQ(j["agent"], json({{"name", "ALPHA"}, {"app_id", "app-1"}, {"host", "127.0.0.1"}, {"port", 4001},
                              {"bus", "127.255.255.255:2010"}}));
  EXPECT_EQ(j["text"], "pos 1");
  ASSERT_EQ(j["receivers"].size(), 2u);
  EXPECT_EQ(j["receivers"][0], json({{"name", "BETA"}, {"app_id", "app-2"}, {"regexp_id", 1}}));
  EXPECT_FALSE(j.contains("origin"));
}

TEST(EntryFormat, JsonIsOneLine) {
  Entry e = msg_to_two();
  e.text = "two\nlines";
  const auto line = format_json(e);
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  EXPECT_EQ(json::parse(line)["text"], "two\nlines");
}

TEST(EntryFormat, JsonFieldsOfEveryOtherKind) {
  auto direct = json::parse(format_json(entry(EntryKind::kDirect, "hi", 7)));
  EXPECT_EQ(direct["kind"], "direct");
  EXPECT_EQ(direct["id"], 7);
  EXPECT_EQ(direct["text"], "hi");
  auto die = json::parse(format_json(entry(EntryKind::kDie, "", 3)));
  EXPECT_EQ(die["kind"], "die");
  EXPECT_EQ(die["id"], 3);
  auto error = json::parse(format_json(entry(EntryKind::kError, "oops", 4)));
  EXPECT_EQ(error["kind"], "error");
  EXPECT_EQ(error["text"], "oops");
  auto bind = json::parse(format_json(entry(EntryKind::kBind, "^x", 2)));
  EXPECT_EQ(bind["kind"], "bind");
  EXPECT_EQ(bind["regexp_id"], 2);
  EXPECT_EQ(bind["pattern"], "^x");
  auto unbind = json::parse(format_json(entry(EntryKind::kUnbind, "", 2)));
  EXPECT_EQ(unbind["kind"], "unbind");
  EXPECT_EQ(unbind["regexp_id"], 2);
  auto join = json::parse(format_json(entry(EntryKind::kJoin)));
  EXPECT_EQ(join["kind"], "join");
  EXPECT_EQ(join["agent"]["port"], 4001);
  auto leave = json::parse(format_json(entry(EntryKind::kLeave, "eof")));
  EXPECT_EQ(leave["kind"], "leave");
  EXPECT_EQ(leave["how"], "eof");
  Entry g = entry(EntryKind::kGap, "", 12);
  g.end_ns = kAt + 5;
  auto gap = json::parse(format_json(g));
  EXPECT_EQ(gap["kind"], "gap");
  EXPECT_EQ(gap["dropped"], 12);
  EXPECT_EQ(gap["end_ns"], kAt + 5);
  EXPECT_FALSE(gap.contains("agent"));
  Entry d = entry(EntryKind::kDropped, "", 345);
  d.end_ns = kAt + 7;
  auto dropped = json::parse(format_json(d));
  EXPECT_EQ(dropped["kind"], "dropped");
  EXPECT_EQ(dropped["dropped"], 345);
  EXPECT_EQ(dropped["end_ns"], kAt + 7);
  EXPECT_EQ(dropped["agent"]["name"], "ALPHA");
}

TEST(EntryFormat, JsonMessageShowsItsOrigin) {
  Entry e = msg_to_two();
  e.origin = {"far-bus", "FARAGENT"};
  EXPECT_EQ(json::parse(format_json(e))["origin"], json({{"bus", "far-bus"}, {"agent", "FARAGENT"}}));
}

TEST(EntryFormat, JsonReplacesInvalidUtf8InsteadOfThrowing) {
  Entry e = entry(EntryKind::kMsg, "caf\xe9 \xff end");  // Latin-1 bytes from a C peer
  e.agent.name = "N\xc3";                                // truncated UTF-8 sequence
  std::string line;
  ASSERT_NO_THROW(line = format_json(e));
  const auto j = json::parse(line);
  EXPECT_EQ(j["text"], "caf\xef\xbf\xbd \xef\xbf\xbd end");
  EXPECT_EQ(j["agent"]["name"], "N\xef\xbf\xbd");
}

TEST(EntryFormat, JsonKeepsValidUtf8) {
  const auto j = json::parse(format_json(entry(EntryKind::kMsg, "h\xc3\xa9llo \xe2\x82\xac")));
  EXPECT_EQ(j["text"], "h\xc3\xa9llo \xe2\x82\xac");
}

// --- CSV -------------------------------------------------------------------------

TEST(EntryFormat, CsvHeaderNamesEveryColumn) {
  EXPECT_EQ(csv_header(), "time,wall_ns,kind,agent,app_id,host,port,bus,code,text,receivers");
}

TEST(EntryFormat, CsvFieldQuotesOnlyWhenNeeded) {
  EXPECT_EQ(csv_field("plain text"), "plain text");
  EXPECT_EQ(csv_field(""), "");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_field("cr\rhere"), "\"cr\rhere\"");
  EXPECT_EQ(csv_field("\""), "\"\"\"\"");
}

TEST(EntryFormat, CsvMessageRow) {
  EXPECT_EQ(format_csv(msg_to_two()), std::string(kAtIso) + "," + std::to_string(kAt) +
                                          ",msg,ALPHA,app-1,127.0.0.1,4001,127.255.255.255:2010,0,pos 1,BETA#1 GAMMA#0");
}

TEST(EntryFormat, CsvRowOfEveryKindHasElevenColumns) {
  for (auto kind : {EntryKind::kMsg, EntryKind::kDirect, EntryKind::kJoin, EntryKind::kLeave, EntryKind::kBind,
                    EntryKind::kUnbind, EntryKind::kDie, EntryKind::kError, EntryKind::kGap,
                    EntryKind::kDropped}) {
    const auto row = format_csv(entry(kind, "t", 5));
    EXPECT_EQ(std::count(row.begin(), row.end(), ','), 10) << row;
    EXPECT_NE(row.find("," + std::string(storage::to_string(kind)) + ","), std::string::npos) << row;
  }
}

TEST(EntryFormat, CsvQuotesTextWithCommaQuoteAndNewline) {
  const auto row = format_csv(entry(EntryKind::kMsg, "hello, \"world\"\r\nbye"));
  EXPECT_NE(row.find(",\"hello, \"\"world\"\"\r\nbye\","), std::string::npos) << row;
  const auto named = format_csv([] {
    Entry e = entry(EntryKind::kJoin);
    e.agent.name = "A,B";
    return e;
  }());
  EXPECT_NE(named.find(",join,\"A,B\",app-1,"), std::string::npos) << named;
}

}  // namespace
}  // namespace ivy::ctl

namespace ivy::ctl {
namespace {

// Entries of a central store carry their site; local ones print as before.
TEST(EntryFormat, ACentralEntryShowsItsSiteInEveryFormat) {
  storage::Entry e;
  e.kind = storage::EntryKind::kMsg;
  e.wall_ns = 1'795'600'800'123'456'789;
  e.agent.name = "ALPHA";
  e.text = "pos 1";
  e.site = "bench-3";
  EXPECT_EQ(format_text(e, TimeZone::kUtc), "2026-11-25 10:00:00.123456 [bench-3] ALPHA sent 'pos 1' -> nobody");
  EXPECT_EQ(nlohmann::json::parse(format_json(e))["site"], "bench-3");
  EXPECT_EQ(csv_header(true), csv_header() + ",site");
  const std::string row = format_csv(e, true);
  EXPECT_EQ(row.substr(row.rfind(',')), ",bench-3");
  EXPECT_EQ(format_csv(e, false), row.substr(0, row.rfind(',')));
  e.site.clear();
  EXPECT_EQ(nlohmann::json::parse(format_json(e)).count("site"), 0u);
  EXPECT_EQ(format_text(e, TimeZone::kUtc).find('['), std::string::npos);
}

}  // namespace
}  // namespace ivy::ctl
