// The example queries of docs/schema.md ("Central store", "Example
// queries"), run on a store filled by the real shipper: site X's agent Y
// subscribes ^hello in a first file; the recording rotates, so the second
// file starts with Y's live subscription copied; Y then adds ^bye and drops
// ^hello. Site Z has an agent named Y too, who must never show up for X.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "storage/live_state.hpp"
#include "storage/pg_central_store.hpp"
#include "storage/recording_file.hpp"
#include "storage/shipper.hpp"
#include "tests/storage/pg_test_server.hpp"
#include "tests/storage/test_support.hpp"

namespace ivy::storage {
namespace {

using namespace testing;

constexpr std::int64_t kT0 = 1'795'600'800'000'000'000;  // 2026-11-25T10:00:00Z
constexpr std::int64_t kS = 1'000'000'000;

// The SQL blocks of docs/schema.md's central section, in order.
std::vector<std::string> documented_queries() {
  std::ifstream in(std::string(IVYD_SOURCE_DIR) + "/docs/schema.md");
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  const auto central = doc.find("## Central store");
  const auto block = doc.find("```sql", central);
  const auto end = doc.find("```", block + 6);
  std::vector<std::string> queries;
  std::string current;
  std::istringstream lines(doc.substr(block + 6, end - block - 6));
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("--", 0) == 0 || line.empty()) continue;
    current += line + "\n";
    if (line.back() == ';') {
      queries.push_back(current);
      current.clear();
    }
  }
  return queries;
}

std::string substitute(std::string sql, const std::map<std::string, std::string>& values) {
  for (const auto& [name, value] : values) sql = std::regex_replace(sql, std::regex(name + "\\b"), value);
  return sql;
}

// Each row of `sql` as "a|b|c".
std::vector<std::string> rows(const PgTestDatabase& db, const std::string& sql) {
  auto conn = PgConnection::connect(db.url()).value();
  auto r = conn->query(sql);
  EXPECT_TRUE(r) << r.error().message << "\n" << sql;
  std::vector<std::string> out;
  for (int i = 0; r && i < r->rows(); ++i) {
    std::string line;
    for (int c = 0; c < r->columns(); ++c) line += (c ? "|" : "") + std::string(r->text(i, c));
    out.push_back(line);
  }
  return out;
}

class CentralSchemaExamples : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(db_.error(), "");
    record_site_x();
    record_site_z();
    ship("X", x_.path());
    ship("Z", z_.path());
  }
  std::unique_ptr<RecordingFile> open(const TempDir& dir, std::int64_t at, const LiveState& live) {
    const std::string path = FileSet(dir.file("rec.db")).new_file_path(at);
    return RecordingFile::open(path, RecordingMeta{"h", "b", "v", "d"}, at, live).value();
  }
  void record_site_x() {
    LiveState live;
    const std::vector<Record> first{join(1, "A", kT0 + 1 * kS), join(2, "Y", kT0 + 1 * kS),
                                    bind(2, 1, "^hello", kT0 + 2 * kS),
                                    message(1, "hello 1", kT0 + 3 * kS, {{2, 1}})};
    for (const auto& r : first) live.apply(r);
    auto one = open(x_, kT0, {});
    ASSERT_TRUE(one->write(first));
    ASSERT_TRUE(one->stop(kT0 + 10 * kS));
    auto two = open(x_, kT0 + 10 * kS, live);  // rotation: Y's ^hello copied in
    ASSERT_TRUE(two->write({bind(2, 2, "^bye", kT0 + 20 * kS), message(1, "bye", kT0 + 25 * kS, {{2, 2}}),
                            unbind(2, 1, kT0 + 30 * kS)}));
  }
  void record_site_z() {
    auto one = open(z_, kT0, {});
    ASSERT_TRUE(one->write({join(1, "B", kT0 + 1 * kS), join(2, "Y", kT0 + 1 * kS), bind(2, 7, "^z", kT0 + 2 * kS),
                            message(1, "z 1", kT0 + 26 * kS, {{2, 7}})}));
  }
  void ship(const std::string& site, const std::string& dir) {
    PgConnection::Options options;
    options.url = db_.url();
    PgCentralStore store(options);
    ShipperOptions o;
    o.path = dir + "/rec.db";
    o.site = site;
    Shipper shipper(o, store);
    while (shipper.step() == ShipOutcome::kMore) {
    }
    ASSERT_EQ(shipper.stats().last_error, "");
  }
  std::string at(std::int64_t s) const { return std::to_string(kT0 + s * kS); }

  PgTestDatabase db_;
  TempDir x_, z_;
};

TEST_F(CentralSchemaExamples, AnswerTheThreeQuestions) {
  const auto queries = documented_queries();
  ASSERT_GE(queries.size(), 3u);
  // Messages per site per minute.
  EXPECT_EQ(rows(db_, substitute(queries[0], {{":t1", at(0)}, {":t2", at(60)}})),
            (std::vector<std::string>{"X|2026-11-25 10:00:00+00|2", "Z|2026-11-25 10:00:00+00|1"}));
  // What X's Y received.
  const auto received = rows(db_, substitute(queries[1], {{":x", "'X'"}, {":y", "'Y'"}, {":t1", at(0)}, {":t2", at(60)}}));
  ASSERT_EQ(received.size(), 2u);
  EXPECT_NE(received[0].find("|A|hello 1|1"), std::string::npos) << received[0];
  EXPECT_NE(received[1].find("|A|bye|2"), std::string::npos) << received[1];
  EXPECT_TRUE(rows(db_, substitute(queries[1], {{":x", "'X'"}, {":y", "'Y'"}, {":t1", at(4)}, {":t2", at(24)}})).empty());
  // Who was subscribed to what, at three times.
  const auto subscribed = [&](std::int64_t s) { return rows(db_, substitute(queries[2], {{":x", "'X'"}, {":t", at(s)}})); };
  EXPECT_EQ(subscribed(5), (std::vector<std::string>{"Y|app-Y|localhost|1|^hello"}));   // first file
  EXPECT_EQ(subscribed(22), (std::vector<std::string>{"Y|app-Y|localhost|1|^hello", "Y|app-Y|localhost|2|^bye"}));
  EXPECT_EQ(subscribed(40), (std::vector<std::string>{"Y|app-Y|localhost|2|^bye"}));    // ^hello dropped
  EXPECT_TRUE(subscribed(0).empty());
}

}  // namespace
}  // namespace ivy::storage
