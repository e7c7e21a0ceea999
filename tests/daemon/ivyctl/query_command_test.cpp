// `ivyctl query` and `ivyctl export` on a recording written by the real
// SqliteRecorder (daemon/ivyctl/query_command.cpp): formats, every filter
// option, exit codes, and --follow while a writer appends.
#include <gtest/gtest.h>

#include <csignal>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/daemon/ivyctl/recording_support.hpp"
#include "tests/daemon/process_support.hpp"

namespace ivy::ctl::test {
namespace {

using namespace std::chrono_literals;
using ivy::test::bin_path;
using ivy::test::ChildProcess;
using ivy::test::eventually;
using ivy::test::read_text_file;
using ivy::test::TempDir;
using nlohmann::json;

std::vector<std::string> lines_of(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class QueryCommand : public ::testing::Test {
 protected:
  void SetUp() override { write_recording(db_, sample_records()); }

  struct Run {
    int code = -1;
    std::string out;
    std::string err;
  };
  Run ivyctl(const std::string& command, std::vector<std::string> args, bool with_db = true) {
    std::vector<std::string> argv{bin_path("ivyctl"), command};
    if (with_db) argv.insert(argv.end(), {"--db", db_});
    argv.insert(argv.end(), args.begin(), args.end());
    Run r;
    r.code = ivy::test::run_command(argv, &r.out, &r.err, 10s);
    return r;
  }
  // JSON lines of `ivyctl query --format json ARGS`.
  std::vector<json> query_json(std::vector<std::string> args) {
    args.insert(args.end(), {"--format", "json"});
    const auto r = ivyctl("query", args);
    EXPECT_EQ(r.code, 0) << r.err;
    std::vector<json> out;
    for (const auto& line : lines_of(r.out)) out.push_back(json::parse(line));
    return out;
  }
  static std::vector<std::string> texts(const std::vector<json>& entries) {
    std::vector<std::string> out;
    for (const auto& e : entries) out.push_back(e.value("text", ""));
    return out;
  }
  static std::vector<std::string> kinds(const std::vector<json>& entries) {
    std::vector<std::string> out;
    for (const auto& e : entries) out.push_back(e["kind"]);
    return out;
  }

  TempDir dir_;
  std::string db_ = dir_.file("rec.db");
};

TEST_F(QueryCommand, JsonListsEveryEntryInTimeOrder) {
  const auto entries = query_json({});
  ASSERT_EQ(entries.size(), kSampleEntries);
  EXPECT_EQ(kinds(entries), (std::vector<std::string>{"join", "join", "join", "bind", "bind", "msg", "msg", "msg",
                                                      "msg", "msg", "msg", "direct", "unbind", "leave"}));
  const auto& first = entries[5];
  EXPECT_EQ(first["agent"]["name"], "ALPHA");
  EXPECT_EQ(first["text"], "pos 0");
  EXPECT_EQ(first["wall_ns"], kBaseNs + 10 * kMs);
  EXPECT_EQ(first["time"], "2026-11-25T10:00:00.010000Z");
  ASSERT_EQ(first["receivers"].size(), 2u);
  EXPECT_EQ(first["receivers"][0]["name"], "BETA");
  EXPECT_EQ(first["receivers"][0]["regexp_id"], 1);
  EXPECT_EQ(first["receivers"][1]["name"], "GAMMA");
  EXPECT_EQ(first["receivers"][1]["regexp_id"], 0);
  EXPECT_EQ(entries[10]["text"], "hello, \"world\"");
  EXPECT_TRUE(entries[10]["receivers"].empty());
  EXPECT_EQ(entries[11]["agent"]["name"], "BETA");
  EXPECT_EQ(entries[11]["id"], 7);
  EXPECT_EQ(entries[11]["text"], "hi there");
  EXPECT_EQ(entries[13]["agent"]["name"], "BETA");
  EXPECT_EQ(entries[13]["how"], "bye");
}

TEST_F(QueryCommand, CsvHasAHeaderAndQuotesTexts) {
  const auto r = ivyctl("query", {"--format", "csv"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 1 + kSampleEntries);
  EXPECT_EQ(lines[0], "time,wall_ns,kind,agent,app_id,host,port,bus,code,text,receivers");
  EXPECT_EQ(lines[6], "2026-11-25T10:00:00.010000Z," + std::to_string(kBaseNs + 10 * kMs) +
                          ",msg,ALPHA,app-ALPHA,127.0.0.1,4001,127.255.255.255:2010,0,pos 0,BETA#1 GAMMA#0");
  EXPECT_NE(lines[11].find(",msg,GAMMA,"), std::string::npos) << lines[11];
  EXPECT_NE(lines[11].find(",\"hello, \"\"world\"\"\","), std::string::npos) << lines[11];
}

TEST_F(QueryCommand, TextIsTheDefaultFormat) {
  const auto r = ivyctl("query", {"--utc", "--kind", "msg", "--limit", "1"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "2026-11-25 10:00:00.010000 ALPHA sent 'pos 0' -> BETA#1 GAMMA#0\n");
}

TEST_F(QueryCommand, KindListSelectsJoinsAndLeaves) {
  const auto entries = query_json({"--kind", "join,leave"});
  EXPECT_EQ(kinds(entries), (std::vector<std::string>{"join", "join", "join", "leave"}));
}

TEST_F(QueryCommand, KindDroppedSelectsFramesAPeerMissedInEveryFormat) {
  db_ = dir_.file("drops.db");
  write_recording(db_, {join(1, "ALPHA", 0), join(2, "BETA", 0), message(1, "pos 0", 10, {{2, 1}}),
                        storage::DeliveryDropRecord{at_ms(100), at_ms(1100), 2, 42}});
  const auto entries = query_json({"--kind", "dropped"});
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0]["agent"]["name"], "BETA");
  EXPECT_EQ(entries[0]["dropped"], 42);
  EXPECT_EQ(entries[0]["end_ns"], kBaseNs + 1100 * kMs);
  const auto text = ivyctl("query", {"--utc", "--kind", "dropped"});
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_EQ(text.out, "2026-11-25 10:00:00.100000 BETA missed 42 frames (its queue was full) until "
                      "2026-11-25 10:00:01.100000\n");
  const auto csv = ivyctl("query", {"--kind", "dropped", "--format", "csv"});
  ASSERT_EQ(csv.code, 0) << csv.err;
  EXPECT_NE(csv.out.find(",dropped,BETA,app-BETA,127.0.0.1,4002,127.255.255.255:2010,42,,"), std::string::npos)
      << csv.out;
  EXPECT_EQ(kinds(query_json({})), (std::vector<std::string>{"join", "join", "msg", "dropped"}))
      << "'all' includes the drops";
}

TEST_F(QueryCommand, AgentSelectsEntriesAboutThatAgent) {
  const auto entries = query_json({"--agent", "BETA"});
  EXPECT_EQ(kinds(entries), (std::vector<std::string>{"join", "bind", "direct", "leave"}));
  for (const auto& e : entries) EXPECT_EQ(e["agent"]["name"], "BETA") << e.dump();
}

TEST_F(QueryCommand, MatchSelectsTextsByRegexp) {
  EXPECT_EQ(texts(query_json({"--match", "^pos [34]$"})), (std::vector<std::string>{"pos 3", "pos 4"}));
}

TEST_F(QueryCommand, SinceAndUntilSelectATimeWindow) {
  // [+11 ms, +14 ms): pos 1, pos 2, pos 3.
  const auto entries =
      query_json({"--since", "2026-11-25T10:00:00.011Z", "--until", "2026-11-25T10:00:00.014Z", "--kind", "msg"});
  EXPECT_EQ(texts(entries), (std::vector<std::string>{"pos 1", "pos 2", "pos 3"}));
}

TEST_F(QueryCommand, RelativeTimesWithALeadingDashAreTakenAsValues) {
  // 100 years back from now: before the recording whatever today's date is.
  EXPECT_EQ(query_json({"--since", "-36500d", "--kind", "msg"}).size(), 6u);
  EXPECT_EQ(query_json({"--until", "-36500d"}).size(), 0u);
}

TEST_F(QueryCommand, LimitStopsAfterNEntries) {
  EXPECT_EQ(kinds(query_json({"--limit", "3"})), (std::vector<std::string>{"join", "join", "join"}));
  EXPECT_EQ(texts(query_json({"--kind", "msg", "--limit", "2"})), (std::vector<std::string>{"pos 0", "pos 1"}));
}

TEST_F(QueryCommand, ExportWritesJsonLinesToTheOutputFile) {
  const std::string file = dir_.file("export.jsonl");
  const auto r = ivyctl("export", {"-o", file});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  const auto lines = lines_of(read_text_file(file));
  ASSERT_EQ(lines.size(), kSampleEntries);
  EXPECT_EQ(json::parse(lines[0])["kind"], "join");
  EXPECT_EQ(json::parse(lines[5])["text"], "pos 0");
}

TEST_F(QueryCommand, ExportAsCsvWithFilters) {
  const std::string file = dir_.file("export.csv");
  const auto r = ivyctl("export", {"--format", "csv", "--kind", "msg", "--agent", "ALPHA", "--output", file});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto lines = lines_of(read_text_file(file));
  ASSERT_EQ(lines.size(), 1u + 5u);
  EXPECT_NE(lines[5].find(",pos 4,"), std::string::npos) << lines[5];
}

TEST_F(QueryCommand, MissingRecordingExitsOneNamingThePath) {
  const auto r = ivyctl("query", {"--db", dir_.file("nothing-here.db")}, false);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("nothing-here.db"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no recording"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(QueryCommand, SiteIsForACentralStoreOnly) {
  const auto r = ivyctl("query", {"--site", "north"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--site applies to a central store"), std::string::npos) << r.err;
  EXPECT_EQ(ivyctl("info", {"--site", "north"}).code, 2);
}

TEST_F(QueryCommand, AnUnreachableCentralStoreExitsOneWithoutItsPassword) {
  const auto r = ivyctl("query", {"--db", "postgresql://ivy:s3cret@127.0.0.1:1/ivy"}, false);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("ivyctl query: postgresql://ivy:***@127.0.0.1:1/ivy: "), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("s3cret"), std::string::npos) << r.err;
}

TEST_F(QueryCommand, BadFormatExitsTwo) {
  const auto r = ivyctl("query", {"--format", "xml"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--format"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("xml"), std::string::npos) << r.err;
}

TEST_F(QueryCommand, BadTimeAndKindExitTwoNamingTheOption) {
  auto r = ivyctl("query", {"--since", "soon"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--since"), std::string::npos) << r.err;
  r = ivyctl("query", {"--kind", "msg,nope"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--kind"), std::string::npos) << r.err;
}

TEST_F(QueryCommand, BadMatchRegexpExitsOne) {
  const auto r = ivyctl("query", {"--match", "(unclosed"});
  EXPECT_EQ(r.code, 1);
  EXPECT_FALSE(r.err.empty());
}

TEST_F(QueryCommand, ExportHasNoFollowAndQueryHasNoOutput) {
  EXPECT_EQ(ivyctl("export", {"--follow"}).code, 2);
  EXPECT_EQ(ivyctl("query", {"-o", dir_.file("x")}).code, 2);
}

TEST_F(QueryCommand, PagesThroughMoreEntriesThanOnePageInTimeOrder) {
  // query reads 5000 rows per page: 6000 messages interleaved with 6000 events.
  constexpr int kEach = 6000;
  std::vector<storage::Record> r{join(1, "BIG", 0)};
  for (int i = 0; i < kEach; ++i) {
    r.push_back(message(1, "m" + std::to_string(i), 1 + 2 * i));
    r.push_back(bind(1, i, "b" + std::to_string(i), 2 + 2 * i));
  }
  const std::string big = dir_.file("big.db");
  write_recording(big, std::move(r));
  const auto run = ivyctl("export", {"--db", big, "--format", "csv"}, false);
  ASSERT_EQ(run.code, 0) << run.err;
  const auto lines = lines_of(run.out);
  ASSERT_EQ(lines.size(), 1u + 1u + 2u * kEach);
  std::int64_t last_ns = 0;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto first = lines[i].find(',');
    const std::int64_t ns = std::stoll(lines[i].substr(first + 1, lines[i].find(',', first + 1) - first - 1));
    ASSERT_LT(last_ns, ns) << "line " << i << ": " << lines[i];
    last_ns = ns;
  }
  EXPECT_NE(lines.back().find(",b5999,"), std::string::npos) << lines.back();
}

TEST_F(QueryCommand, FollowPrintsEntriesAppendedByALaterSessionAndStopsOnSigint) {
  ChildProcess follow({bin_path("ivyctl"), "query", "--db", db_, "--follow", "--format", "json"}, dir_.file("out"),
                      dir_.file("err"));
  ASSERT_TRUE(follow.started());
  ASSERT_TRUE(eventually([&] { return lines_of(read_text_file(dir_.file("out"))).size() == kSampleEntries; }))
      << read_text_file(dir_.file("out")) << read_text_file(dir_.file("err"));

  // A second recorder session on the same path, as after an ivyd restart.
  write_recording(db_, {join(1, "DELTA", 100), message(1, "later 0", 101), message(1, "later 1", 102)});
  ASSERT_TRUE(eventually([&] { return lines_of(read_text_file(dir_.file("out"))).size() == kSampleEntries + 3; }))
      << read_text_file(dir_.file("out")) << read_text_file(dir_.file("err"));
  const auto lines = lines_of(read_text_file(dir_.file("out")));
  EXPECT_EQ(json::parse(lines[kSampleEntries])["agent"]["name"], "DELTA");
  EXPECT_EQ(json::parse(lines[kSampleEntries + 1])["text"], "later 0");
  EXPECT_EQ(json::parse(lines[kSampleEntries + 2])["text"], "later 1");
  EXPECT_TRUE(follow.running());

  follow.signal(SIGINT);
  EXPECT_EQ(follow.wait_for(5s), std::optional<int>(0)) << read_text_file(dir_.file("err"));
}

}  // namespace
}  // namespace ivy::ctl::test
