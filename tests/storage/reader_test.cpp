#include "storage/reader.hpp"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "storage/recording_file.hpp"
#include "storage/sqlite_recorder.hpp"
#include "tests/storage/test_support.hpp"

namespace ivy::storage {
namespace {

using namespace testing;
using namespace std::chrono_literals;

// A file with: A and B join (t=1), B binds (t=2), A sends 10 messages
// "pos N" at t = 10..19 received by B, B leaves (t=30), and a gap (t=40).
class ReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto file = RecordingFile::open(path_, {"h", "b", "v", "d"}, 0, LiveState{});
    ASSERT_TRUE(file);
    std::vector<Record> batch{join(1, "A", 1), join(2, "B", 1), bind(2, 5, "^pos (.*)", 2)};
    for (int i = 0; i < 10; ++i) {
      batch.push_back(message(1, "pos " + std::to_string(i), 10 + i, {{2, 5}}));
    }
    batch.push_back(leave(2, LeaveHow::kBye, 30));
    batch.push_back(GapRecord{at_ns(40), at_ns(41), 3});
    ASSERT_TRUE((*file)->write(batch));
  }
  QueryResult query(const QueryFilter& f) {
    auto reader = Reader::open(path_);
    EXPECT_TRUE(reader) << reader.error().message;
    auto r = reader->query(f);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : QueryResult{};
  }

  TempDir dir_;
  std::string path_ = dir_.file("one.db");
};

TEST_F(ReaderTest, ReturnsEverythingInTimeOrder) {
  const auto r = query({});
  ASSERT_EQ(r.entries.size(), 2u + 1u + 10u + 1u + 1u);
  EXPECT_EQ(r.entries[0].kind, EntryKind::kJoin);
  EXPECT_EQ(r.entries[2].kind, EntryKind::kBind);
  EXPECT_EQ(r.entries[2].text, "^pos (.*)");
  EXPECT_EQ(r.entries[3].kind, EntryKind::kMsg);
  EXPECT_EQ(r.entries[3].agent.name, "A");
  ASSERT_EQ(r.entries[3].receivers.size(), 1u);
  EXPECT_EQ(r.entries[3].receivers[0].name, "B");
  EXPECT_EQ(r.entries[3].receivers[0].regexp_id, 5);
  EXPECT_EQ(r.entries[13].kind, EntryKind::kLeave);
  EXPECT_EQ(r.entries[13].text, "bye");
  EXPECT_EQ(r.entries[14].kind, EntryKind::kGap);
  EXPECT_EQ(r.entries[14].code, 3);
}

TEST_F(ReaderTest, FiltersByTimeRange) {
  QueryFilter f;
  f.since_ns = 12;
  f.until_ns = 15;
  const auto r = query(f);
  ASSERT_EQ(r.entries.size(), 3u);
  EXPECT_EQ(r.entries[0].text, "pos 2");
  EXPECT_EQ(r.entries[2].text, "pos 4");
}

TEST_F(ReaderTest, FiltersByKindAgentAndText) {
  QueryFilter f;
  f.kinds = *parse_kinds("join,leave");
  f.agent = "B";
  auto r = query(f);
  ASSERT_EQ(r.entries.size(), 2u);
  EXPECT_EQ(r.entries[1].kind, EntryKind::kLeave);

  QueryFilter g;
  g.kinds = kind_bit(EntryKind::kMsg);
  g.text_regex = "pos [13]$";
  r = query(g);
  ASSERT_EQ(r.entries.size(), 2u);
  EXPECT_EQ(r.entries[1].text, "pos 3");
}

TEST_F(ReaderTest, RejectsBadRegexp) {
  auto reader = Reader::open(path_);
  QueryFilter f;
  f.text_regex = "(unclosed";
  auto r = reader->query(f);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("bad regexp"), std::string::npos);
}

TEST_F(ReaderTest, ResumesAfterCursor) {
  QueryFilter f;
  f.kinds = kind_bit(EntryKind::kMsg);
  f.limit = 4;
  std::vector<std::string> seen;
  for (int page = 0; page < 4; ++page) {
    const auto r = query(f);
    for (const auto& e : r.entries) seen.push_back(e.text);
    f.after = r.next;
  }
  ASSERT_EQ(seen.size(), 10u);
  EXPECT_EQ(seen.front(), "pos 0");
  EXPECT_EQ(seen.back(), "pos 9");
}

TEST_F(ReaderTest, SummarizesRecording) {
  auto reader = Reader::open(path_);
  auto s = reader->summary();
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->messages, 10);
  EXPECT_EQ(s->receivers, 10);
  EXPECT_EQ(s->gaps, 1);
  EXPECT_EQ(s->dropped, 3);
  EXPECT_EQ(s->first_ns, 10);
  EXPECT_EQ(s->last_ns, 19);
  ASSERT_EQ(s->per_agent.size(), 1u);
  EXPECT_EQ(s->per_agent[0].name, "A");
  EXPECT_EQ(s->per_agent[0].messages, 10);
  ASSERT_EQ(s->runs.size(), 1u);
  EXPECT_EQ(s->runs[0].stopped_ns, 0);
  EXPECT_GT(s->bytes, 0u);
}

// Messages at t = 10..19 ns.
TEST_F(ReaderTest, CountsMessagesPerInterval) {
  auto reader = Reader::open(path_);
  ASSERT_TRUE(reader);
  EXPECT_EQ(*reader->message_counts(10, 20, 2), (std::vector<std::int64_t>{5, 5}));
  EXPECT_EQ(*reader->message_counts(0, 40, 4), (std::vector<std::int64_t>{0, 10, 0, 0}));
  EXPECT_EQ(*reader->message_counts(15, 16, 1), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(*reader->message_counts(0, 7, 3), (std::vector<std::int64_t>{0, 0, 0}));
  EXPECT_TRUE(reader->message_counts(20, 10, 3)->size() == 3);
  EXPECT_TRUE(reader->message_counts(0, 10, 0)->empty());
}

TEST(ReaderDrops, SelectsDeliveryDropsByKindAndAgentAndSumsThem) {
  TempDir dir;
  const auto path = dir.file("drops.db");
  auto file = RecordingFile::open(path, {"h", "b", "v", "d"}, 0, LiveState{});
  ASSERT_TRUE(file);
  ASSERT_TRUE((*file)->write({join(1, "FAST"), join(2, "SLOW"), message(1, "x", 5, {{2, 0}}),
                              DeliveryDropRecord{at_ns(10), at_ns(20), 2, 700},
                              DeliveryDropRecord{at_ns(30), at_ns(31), 2, 5}, GapRecord{at_ns(40), at_ns(41), 3}}));
  auto reader = Reader::open(path);
  ASSERT_TRUE(reader);
  QueryFilter f;
  f.kinds = *parse_kinds("dropped");
  f.agent = "SLOW";
  auto r = reader->query(f);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->entries.size(), 2u);
  EXPECT_EQ(r->entries[0].kind, EntryKind::kDropped);
  EXPECT_EQ(r->entries[0].agent.name, "SLOW");
  EXPECT_EQ(r->entries[0].code, 700);
  EXPECT_EQ(r->entries[0].wall_ns, 10);
  EXPECT_EQ(r->entries[0].end_ns, 20);
  f.agent = "FAST";
  EXPECT_TRUE(reader->query(f)->entries.empty());
  auto s = reader->summary();
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->delivery_drops, 2);
  EXPECT_EQ(s->frames_dropped, 705);
  EXPECT_EQ(s->gaps, 1);
  EXPECT_EQ(s->dropped, 3);  // the recorder's own losses are counted apart
}

TEST(ReaderOnSet, ReadsAcrossRotatedFilesAndFollowsTheWriter) {
  TempDir dir;
  SqliteRecorderOptions o;
  o.path = dir.file("ivyd.db");
  o.rotate_bytes = 48 * 1024;
  o.batch_interval = 10ms;
  SqliteRecorder rec(o);
  ASSERT_TRUE(rec.try_append(join(1, "A")));
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; i < 4000; ++i) {
      while (!rec.try_append(message(1, std::to_string(i), 100 + i))) std::this_thread::yield();
      if (i % 200 == 0) std::this_thread::sleep_for(5ms);
    }
    stop = true;
  });
  QueryFilter f;
  f.kinds = kind_bit(EntryKind::kMsg);
  int expected = 0;
  int polls = 0;
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (expected < 4000 && std::chrono::steady_clock::now() < deadline) {
    auto reader = Reader::open(o.path);
    if (!reader) { std::this_thread::sleep_for(5ms); continue; }
    auto r = reader->query(f);
    if (!r) {
      ADD_FAILURE() << "[" << r.error().message << "] code " << r.error().code;
      break;
    }
    bool in_order = true;
    for (const auto& e : r->entries) in_order = in_order && e.text == std::to_string(expected++);
    if (!in_order) {
      ADD_FAILURE() << "out of order before " << expected;
      break;
    }
    f.after = r->next;
    ++polls;
    std::this_thread::sleep_for(10ms);
  }
  writer.join();  // the loop above never returns early: always joined
  EXPECT_EQ(expected, 4000);
  EXPECT_GT(polls, 2);  // it really read while the writer ran
  EXPECT_GE(Reader::open(o.path)->files().size(), 2u);
}

}  // namespace
}  // namespace ivy::storage
