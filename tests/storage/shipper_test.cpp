#include "storage/shipper.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "storage/memory_central_store.hpp"
#include "storage/recording_file.hpp"
#include "tests/storage/test_support.hpp"

namespace ivy::storage {
namespace {

using namespace testing;

constexpr std::int64_t kT0 = 1'795'600'800'000'000'000;  // 2026-11-25T10:00:00Z
constexpr std::int64_t kSecond = 1'000'000'000;

class ShipperTest : public ::testing::Test {
 protected:
  ShipperOptions options() {
    ShipperOptions o;
    o.path = dir_.file("rec.db");
    o.site = "site-a";
    o.batch_rows = 10;
    o.clock = &clock_;
    o.log = [this](LogLevel, const std::string& text) { log_ += text + "\n"; };
    return o;
  }
  // A new file of the set, started `s` seconds after kT0.
  RecordingFile& new_file(std::int64_t s) {
    const std::string path = FileSet(dir_.file("rec.db")).new_file_path(kT0 + s * kSecond);
    auto file = RecordingFile::open(path, RecordingMeta{"h", "b", "v", "d"}, kT0 + s * kSecond, {});
    EXPECT_TRUE(file) << file.error().message;
    files_.push_back(std::move(*file));
    return *files_.back();
  }
  static std::vector<Record> messages(PeerKey sender, int from, int count) {
    std::vector<Record> out;
    for (int i = from; i < from + count; ++i) out.push_back(message(sender, "m" + std::to_string(i), kT0 + i));
    return out;
  }
  // Steps until the shipper has nothing more to do right now.
  ShipOutcome settle() {
    ShipOutcome outcome = ShipOutcome::kMore;
    for (int i = 0; i < 1000 && outcome == ShipOutcome::kMore; ++i) outcome = shipper_.step();
    return outcome;
  }
  std::string name_of(std::size_t file) const {
    return std::filesystem::path(FileSet(dir_.file("rec.db")).files().at(file).path).filename().string();
  }
  std::vector<std::string> stored_texts(std::size_t file) const {
    std::vector<std::string> texts;
    if (auto f = store_.stored("site-a", name_of(file))) {
      for (const auto& [id, m] : f->messages) texts.push_back(m.text);
    }
    return texts;
  }

  TempDir dir_;
  FakeClock clock_;
  std::string log_;
  std::vector<std::unique_ptr<RecordingFile>> files_;
  MemoryCentralStore store_;
  Shipper shipper_{options(), store_};
};

TEST_F(ShipperTest, ShipsEverythingRecordedInOrderOnce) {
  RecordingFile& file = new_file(0);
  ASSERT_TRUE(file.write({join(1, "A"), join(2, "B")}));
  ASSERT_TRUE(file.write(messages(1, 0, 25)));
  EXPECT_EQ(settle(), ShipOutcome::kIdle);
  const auto texts = stored_texts(0);
  ASSERT_EQ(texts.size(), 25u);
  EXPECT_EQ(texts.front(), "m0");
  EXPECT_EQ(texts.back(), "m24");
  const auto stats = shipper_.stats();
  EXPECT_EQ(stats.shipped_messages, 25u);
  EXPECT_EQ(stats.shipped_rows, 27u);  // + the two join events
  EXPECT_EQ(stats.backlog_rows, 0);
  EXPECT_EQ(stats.last_row_ns, kT0 + 24);
  EXPECT_EQ(stats.last_ship_ns, clock_.now().wall_ns);
  EXPECT_TRUE(stats.connected);
  ASSERT_TRUE(file.write(messages(2, 25, 3)));
  EXPECT_EQ(settle(), ShipOutcome::kIdle);
  EXPECT_EQ(stored_texts(0).size(), 28u);
}

TEST_F(ShipperTest, WhileTheStoreIsDownTheBacklogGrowsAndShipsLater) {
  RecordingFile& file = new_file(0);
  ASSERT_TRUE(file.write({join(1, "A")}));
  EXPECT_EQ(settle(), ShipOutcome::kIdle);
  store_.set_down(true);
  ASSERT_TRUE(file.write(messages(1, 0, 30)));
  EXPECT_EQ(shipper_.step(), ShipOutcome::kFailed);
  EXPECT_EQ(shipper_.stats().backlog_rows, 30);
  EXPECT_FALSE(shipper_.stats().connected);
  EXPECT_NE(shipper_.stats().last_error.find("central store: "), std::string::npos);
  ASSERT_TRUE(file.write(messages(1, 30, 5)));
  EXPECT_EQ(shipper_.step(), ShipOutcome::kFailed);
  EXPECT_EQ(shipper_.stats().backlog_rows, 35);
  store_.set_down(false);
  EXPECT_EQ(settle(), ShipOutcome::kIdle);
  EXPECT_EQ(stored_texts(0).size(), 35u);
  EXPECT_EQ(shipper_.stats().backlog_rows, 0);
  EXPECT_NE(log_.find("reachable again"), std::string::npos);
}

TEST_F(ShipperTest, ABatchWhoseCommitAnswerWasLostIsNotShippedAgain) {
  RecordingFile& file = new_file(0);
  ASSERT_TRUE(file.write({join(1, "A")}));
  ASSERT_TRUE(file.write(messages(1, 0, 8)));
  store_.lose_next_ack();
  EXPECT_EQ(shipper_.step(), ShipOutcome::kFailed);  // stored, but we were not told
  EXPECT_EQ(settle(), ShipOutcome::kIdle);           // the store refuses any duplicate key
  EXPECT_EQ(stored_texts(0).size(), 8u);
  EXPECT_EQ(store_.opens(), 2);
}

TEST_F(ShipperTest, FinishedFilesAreCompletedOldestFirst) {
  RecordingFile& first = new_file(0);
  ASSERT_TRUE(first.write({join(1, "A")}));
  ASSERT_TRUE(first.write(messages(1, 0, 15)));
  ASSERT_TRUE(first.stop(kT0 + 60 * kSecond));
  RecordingFile& second = new_file(60);
  ASSERT_TRUE(second.write({join(1, "A")}));
  ASSERT_TRUE(second.write(messages(1, 100, 4)));
  EXPECT_EQ(settle(), ShipOutcome::kIdle);
  const auto one = store_.stored("site-a", name_of(0));
  const auto two = store_.stored("site-a", name_of(1));
  ASSERT_TRUE(one && two);
  EXPECT_TRUE(one->state.complete);
  EXPECT_EQ(one->messages.size(), 15u);
  EXPECT_EQ(one->recordings.at(1).stopped_ns, kT0 + 60 * kSecond);
  EXPECT_FALSE(two->state.complete);  // still being written
  EXPECT_EQ(two->messages.size(), 4u);
  EXPECT_NE(log_.find("shipped " + name_of(0) + " completely"), std::string::npos);
}

TEST_F(ShipperTest, AgentChangesAfterShippingReachTheStore) {
  RecordingFile& file = new_file(0);
  ASSERT_TRUE(file.write({join(1, "A"), bind(1, 4, "^x", kT0)}));
  settle();
  ASSERT_TRUE(file.write({leave(1, LeaveHow::kEof, kT0 + 9)}));
  settle();
  const auto stored = store_.stored("site-a", name_of(0));
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->agents.at(1).left_how, "eof");
  EXPECT_EQ(stored->subscriptions.at(1).removed_ns, kT0 + 9);
}

// The batch that carried the leave failed before its COMMIT: the batch read
// after the reconnection must carry the agent's and subscription's changes
// again, not only the rows (they are read when an event is new to the reader).
TEST_F(ShipperTest, AgentChangesOfAFailedBatchReachTheStoreAfterTheReconnection) {
  RecordingFile& file = new_file(0);
  ASSERT_TRUE(file.write({join(1, "A"), bind(1, 4, "^x", kT0)}));
  settle();
  ASSERT_TRUE(file.write({leave(1, LeaveHow::kEof, kT0 + 9)}));
  store_.fail_next_ship();
  EXPECT_EQ(shipper_.step(), ShipOutcome::kFailed);
  EXPECT_EQ(settle(), ShipOutcome::kIdle);
  const auto stored = store_.stored("site-a", name_of(0));
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->agents.at(1).left_how, "eof");
  EXPECT_EQ(stored->subscriptions.at(1).removed_ns, kT0 + 9);
}

TEST_F(ShipperTest, RetentionBeforeShippingIsCountedAndRecordedAsAGap) {
  RecordingFile& first = new_file(0);
  ASSERT_TRUE(first.write({join(1, "A")}));
  ASSERT_TRUE(first.write(messages(1, 0, 12)));
  settle();
  ASSERT_TRUE(first.write(messages(1, 12, 3)));  // never shipped
  store_.set_down(true);
  new_file(60);
  (void)shipper_.step();
  const std::string first_path = FileSet(dir_.file("rec.db")).files().at(0).path;
  const std::string first_name = name_of(0);
  shipper_.on_retiring(first_path);
  files_.erase(files_.begin());
  ASSERT_TRUE(FileSet(dir_.file("rec.db")).remove(first_path));
  store_.set_down(false);
  settle();
  const auto stored = store_.stored("site-a", first_name);
  ASSERT_TRUE(stored);
  ASSERT_TRUE(stored->gap.has_value());
  EXPECT_EQ(stored->gap->lost_messages, 3);
  EXPECT_EQ(stored->gap->lost_events, 0);
  EXPECT_EQ(stored->gap->to_ns, kT0 + 14);
  EXPECT_TRUE(stored->state.complete);
  EXPECT_EQ(shipper_.stats().gaps, 1u);
  EXPECT_EQ(stored->gap->from_ns, kT0 + 11);  // the newest row shipped
  EXPECT_EQ(stored->messages.size(), 12u);
  EXPECT_EQ(shipper_.stats().lost_rows, 3u);
  EXPECT_NE(log_.find("retention deleted " + first_name + " before 3 of its rows were shipped"), std::string::npos)
      << log_;
}

TEST_F(ShipperTest, AFileThatVanishesUnshippedIsAGapToo) {
  RecordingFile& first = new_file(0);
  ASSERT_TRUE(first.write({join(1, "A")}));
  new_file(60);
  store_.set_down(true);
  ASSERT_TRUE(first.write(messages(1, 0, 4)));
  (void)shipper_.step();  // sees both files
  const std::string first_path = FileSet(dir_.file("rec.db")).files().at(0).path;
  const std::string first_name = name_of(0);
  files_.erase(files_.begin());
  ASSERT_TRUE(FileSet(dir_.file("rec.db")).remove(first_path));
  store_.set_down(false);
  settle();
  const auto stored = store_.stored("site-a", first_name);
  ASSERT_TRUE(stored && stored->gap);
  EXPECT_EQ(stored->gap->lost(), 5);  // 4 messages + the join
  EXPECT_NE(log_.find("recording file vanished: " + first_name), std::string::npos) << log_;
}

TEST_F(ShipperTest, AFileFullyShippedLeavesNoGapWhenDeleted) {
  RecordingFile& first = new_file(0);
  ASSERT_TRUE(first.write(messages(1, 0, 3)));
  new_file(60);
  settle();
  const std::string first_path = FileSet(dir_.file("rec.db")).files().at(0).path;
  shipper_.on_retiring(first_path);
  settle();
  EXPECT_EQ(shipper_.stats().gaps, 0u);
  EXPECT_FALSE(store_.stored("site-a", name_of(0))->gap.has_value());
}

TEST_F(ShipperTest, TheBacklogIsUnknownUntilTheStoreWasReached) {
  ASSERT_TRUE(new_file(0).write(messages(1, 0, 3)));
  store_.set_down(true);
  EXPECT_EQ(shipper_.step(), ShipOutcome::kFailed);
  EXPECT_EQ(shipper_.stats().backlog_rows, -1);
}

TEST_F(ShipperTest, AProblemIsLoggedOnceUntilSomethingWorks) {
  store_.set_down(true);
  new_file(0);
  for (int i = 0; i < 5; ++i) (void)shipper_.step();
  std::size_t lines = 0;
  for (std::size_t at = log_.find("central store:"); at != std::string::npos; at = log_.find("central store:", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 1u) << log_;
}

}  // namespace
}  // namespace ivy::storage
