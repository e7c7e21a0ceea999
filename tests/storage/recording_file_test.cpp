#include "storage/recording_file.hpp"

#include <gtest/gtest.h>

#include "tests/storage/test_support.hpp"

namespace ivy::storage {
namespace {

using namespace testing;

class RecordingFileTest : public ::testing::Test {
 protected:
  std::unique_ptr<RecordingFile> open_file(const LiveState& live = {}) {
    auto file = RecordingFile::open(dir_.file("r.db"), meta_, 100, live);
    EXPECT_TRUE(file) << file.error().message;
    return std::move(*file);
  }
  Database reader() {
    auto db = Database::open(dir_.file("r.db"), OpenMode::kReadOnly);
    EXPECT_TRUE(db);
    return std::move(*db);
  }
  std::int64_t count(const char* sql) {
    Database db = reader();
    auto n = db.query_int(sql);
    EXPECT_TRUE(n) << n.error().message;
    return n ? *n : -1;
  }

  TempDir dir_;
  RecordingMeta meta_{"host1", "127:2010", "0.1.0", "digest"};
};

TEST_F(RecordingFileTest, WritesRecordingRowWithMetadata) {
  auto file = open_file();
  Database db = reader();
  EXPECT_EQ(*db.query_text("SELECT host || ' ' || bus || ' ' || ivyd_version || ' ' || "
                           "config_digest FROM recordings"),
            "host1 127:2010 0.1.0 digest");
  EXPECT_EQ(*db.query_text("PRAGMA journal_mode"), "wal");
  ASSERT_TRUE(file->stop(200));
  EXPECT_EQ(count("SELECT stopped_ns FROM recordings"), 200);
}

TEST_F(RecordingFileTest, StoresMessageWithReceivers) {
  auto file = open_file();
  ASSERT_TRUE(file->write({join(1, "A"), join(2, "B"),
                           message(1, "hello", 5, {{2, 7}, {2, 8}})}));
  EXPECT_EQ(count("SELECT count(*) FROM message"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM receiver r JOIN agent a ON a.id = r.agent_id "
                  "WHERE a.name = 'B'"),
            2);
  EXPECT_EQ(count("SELECT count(*) FROM event WHERE kind = 'join'"), 2);
}

TEST_F(RecordingFileTest, AnswersWhoWasSubscribedAndDidItGetTheMessage) {
  auto file = open_file();
  ASSERT_TRUE(file->write({join(1, "A"), join(2, "B"), bind(2, 1, "^hello (.*)", 10),
                           bind(2, 2, "^bye", 10), message(1, "hello x", 20, {{2, 1}}),
                           unbind(2, 2, 30), message(1, "bye", 40)}));
  // The docs/schema.md query: B's live subscriptions at M's time and whether each got M.
  const char* sql =
      "SELECT group_concat(s.regexp_id || ':' || (r.message_id IS NOT NULL), ',') "
      "FROM message m JOIN agent b ON b.name = 'B' "
      "JOIN subscription s ON s.agent_id = b.id AND s.added_ns <= m.wall_ns "
      "  AND (s.removed_ns IS NULL OR s.removed_ns > m.wall_ns) "
      "LEFT JOIN receiver r ON r.message_id = m.id AND r.agent_id = b.id "
      "  AND r.regexp_id = s.regexp_id "
      "WHERE m.text = ?1";
  Database db = reader();
  auto stmt = db.prepare(sql);
  stmt->bind(1, std::string_view("hello x"));
  ASSERT_EQ(stmt->step(), SQLITE_ROW);
  EXPECT_EQ(stmt->text(0), "1:1,2:0");
  stmt->reset();
  stmt->bind(1, std::string_view("bye"));
  ASSERT_EQ(stmt->step(), SQLITE_ROW);
  EXPECT_EQ(stmt->text(0), "1:0");
}

TEST_F(RecordingFileTest, LeaveClosesSubscriptionsAndRecordsHow) {
  auto file = open_file();
  ASSERT_TRUE(file->write({join(1, "A"), bind(1, 1, "x", 10), leave(1, LeaveHow::kEof, 50)}));
  EXPECT_EQ(count("SELECT removed_ns FROM subscription"), 50);
  EXPECT_EQ(count("SELECT left_ns FROM agent WHERE left_how = 'eof'"), 50);
}

TEST_F(RecordingFileTest, RebindWithSameIdClosesThePreviousPattern) {
  auto file = open_file();
  ASSERT_TRUE(file->write({join(1, "A"), bind(1, 3, "old", 10), bind(1, 3, "new", 20)}));
  EXPECT_EQ(count("SELECT removed_ns FROM subscription WHERE pattern = 'old'"), 20);
  EXPECT_EQ(count("SELECT count(*) FROM subscription WHERE pattern = 'new' "
                  "AND removed_ns IS NULL"),
            1);
}

TEST_F(RecordingFileTest, UnknownPeerGetsPlaceholderAgent) {
  auto file = open_file();
  ASSERT_TRUE(file->write({message(42, "orphan", 1)}));
  EXPECT_EQ(count("SELECT count(*) FROM agent WHERE peer_key = 42 AND name IS NULL"), 1);
}

TEST_F(RecordingFileTest, SeedsLiveAgentsAndSubscriptions) {
  LiveState live;
  live.apply(join(1, "A", 5));
  live.apply(bind(1, 9, "^x", 6));
  auto file = open_file(live);
  EXPECT_EQ(count("SELECT joined_ns FROM agent WHERE name = 'A'"), 5);
  EXPECT_EQ(count("SELECT added_ns FROM subscription WHERE regexp_id = 9"), 6);
  ASSERT_TRUE(file->write({message(1, "x", 7)}));
  EXPECT_EQ(count("SELECT count(*) FROM agent"), 1);  // no placeholder
}

TEST_F(RecordingFileTest, StoresDirectDieErrorAndGapAsEvents) {
  auto file = open_file();
  ASSERT_TRUE(file->write({join(1, "A"), DirectRecord{at_ns(2), 1, 77, "hi"},
                           ControlRecord{at_ns(3), ControlKind::kDie, 1, 0, ""},
                           ControlRecord{at_ns(4), ControlKind::kError, 1, 3, "bad"},
                           GapRecord{at_ns(5), at_ns(6), 12}}));
  EXPECT_EQ(count("SELECT code FROM event WHERE kind = 'direct' AND text = 'hi'"), 77);
  EXPECT_EQ(count("SELECT count(*) FROM event WHERE kind = 'die'"), 1);
  EXPECT_EQ(count("SELECT code FROM event WHERE kind = 'error' AND text = 'bad'"), 3);
  EXPECT_EQ(count("SELECT code FROM event WHERE kind = 'gap' AND end_ns = 6"), 12);
}

TEST_F(RecordingFileTest, StoresDeliveryDropsAsEventsOfTheAgentThatMissedThem) {
  auto file = open_file();
  ASSERT_TRUE(file->write({join(1, "A"), join(2, "SLOW"), DeliveryDropRecord{at_ns(10), at_ns(25), 2, 1234}}));
  EXPECT_EQ(count("SELECT code FROM event e JOIN agent a ON a.id = e.agent_id "
                  "WHERE e.kind = 'dropped' AND a.name = 'SLOW' AND e.wall_ns = 10 AND e.end_ns = 25 "
                  "AND e.text IS NULL"),
            1234);
}

TEST_F(RecordingFileTest, RecordsStalledAndTimedOutLeaves) {
  auto file = open_file();
  ASSERT_TRUE(file->write({join(1, "A"), join(2, "B"), leave(1, LeaveHow::kStalled, 5),
                           leave(2, LeaveHow::kTimeout, 6)}));
  EXPECT_EQ(count("SELECT left_ns FROM agent WHERE left_how = 'stalled'"), 5);
  EXPECT_EQ(count("SELECT left_ns FROM agent WHERE left_how = 'timeout'"), 6);
  EXPECT_EQ(count("SELECT count(*) FROM event WHERE kind = 'leave' AND text IN ('stalled', 'timeout')"), 2);
}

}  // namespace
}  // namespace ivy::storage
