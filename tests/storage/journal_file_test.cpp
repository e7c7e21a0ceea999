#include "storage/journal_file.hpp"

#include <gtest/gtest.h>

#include "storage/recording_file.hpp"
#include "tests/storage/test_support.hpp"

namespace ivy::storage {
namespace {

using namespace testing;

class JournalFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto file = RecordingFile::open(path_, RecordingMeta{"host1", "127:2010", "0.1.0", "d"}, 100, {});
    ASSERT_TRUE(file) << file.error().message;
    writer_ = std::move(*file);
  }
  JournalFile journal() {
    auto j = JournalFile::open(path_);
    EXPECT_TRUE(j) << j.error().message;
    return std::move(*j);
  }
  // Reads the next batch and takes it as shipped.
  ShipBatch ship(JournalFile& j, std::size_t max_rows = 100, bool finished = false) {
    auto batch = j.read(central_, max_rows, finished);
    EXPECT_TRUE(batch) << batch.error().message;
    if (!batch) return {};
    central_.apply(*batch);
    return *batch;
  }

  TempDir dir_;
  std::string path_ = dir_.file("r.db");
  std::unique_ptr<RecordingFile> writer_;
  CentralFile central_;
};

TEST_F(JournalFileTest, ReadsEveryRowAfterThePositionWithItsLocalId) {
  ASSERT_TRUE(writer_->write({join(1, "A"), join(2, "B"), bind(2, 7, "^hello", 10),
                              message(1, "hello", 20, {{2, 7}}), message(1, "bye", 30)}));
  auto j = journal();
  const ShipBatch batch = ship(j);
  ASSERT_EQ(batch.recordings.size(), 1u);
  EXPECT_EQ(batch.recordings[0].host, "host1");
  ASSERT_EQ(batch.agents.size(), 2u);
  EXPECT_EQ(batch.agents[1].name, "B");
  ASSERT_EQ(batch.subscriptions.size(), 1u);
  EXPECT_EQ(batch.subscriptions[0].pattern, "^hello");
  ASSERT_EQ(batch.messages.size(), 2u);
  EXPECT_EQ(batch.messages[0].id, 1);
  EXPECT_EQ(batch.messages[0].text, "hello");
  EXPECT_EQ(batch.messages[1].wall_ns, 30);
  ASSERT_EQ(batch.receivers.size(), 1u);
  EXPECT_EQ(batch.receivers[0], (ReceiverRow{1, batch.agents[1].id, 7}));
  EXPECT_EQ(batch.events.size(), 3u);  // join, join, bind
  EXPECT_EQ(batch.to, (ShipPosition{1, 2, 1, 2, 3}));
  EXPECT_EQ(batch.last_row_ns, 30);
  EXPECT_FALSE(batch.completes_file);

  ASSERT_TRUE(writer_->write({message(2, "again", 40)}));
  const ShipBatch next = ship(j);
  EXPECT_TRUE(next.agents.empty());
  ASSERT_EQ(next.messages.size(), 1u);
  EXPECT_EQ(next.messages[0].id, 3);
  EXPECT_EQ(next.events.size(), 0u);
  EXPECT_TRUE(ship(j).empty());
}

TEST_F(JournalFileTest, BatchesAreBoundedAndKeepIdOrder) {
  std::vector<Record> records{join(1, "A"), join(2, "B")};
  for (int i = 0; i < 25; ++i) records.push_back(message(1, "m" + std::to_string(i), 10 + i, {{2, 1}}));
  ASSERT_TRUE(writer_->write(records));
  auto j = journal();
  std::vector<std::int64_t> ids;
  std::size_t receivers = 0;
  for (int round = 0; round < 4; ++round) {
    const ShipBatch b = ship(j, 10);
    EXPECT_LE(b.messages.size(), 10u);
    for (const auto& m : b.messages) ids.push_back(m.id);
    receivers += b.receivers.size();
    for (const auto& r : b.receivers) {
      EXPECT_TRUE(std::any_of(b.messages.begin(), b.messages.end(), [&](const auto& m) { return m.id == r.message_id; }));
    }
  }
  ASSERT_EQ(ids.size(), 25u);
  for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(ids[i], static_cast<std::int64_t>(i + 1));
  EXPECT_EQ(receivers, 25u);
}

TEST_F(JournalFileTest, ChangedOpenRowsComeAsUpdates) {
  ASSERT_TRUE(writer_->write({join(1, "A"), bind(1, 3, "^x", 10)}));
  auto j = journal();
  ship(j);
  EXPECT_EQ(central_.open_agents.size(), 1u);
  EXPECT_EQ(central_.open_subscriptions.size(), 1u);
  ASSERT_TRUE(writer_->write({leave(1, LeaveHow::kBye, 50)}));
  const ShipBatch b = ship(j);
  ASSERT_EQ(b.agent_updates.size(), 1u);
  EXPECT_EQ(b.agent_updates[0].left_ns, 50);
  EXPECT_EQ(b.agent_updates[0].left_how, "bye");
  ASSERT_EQ(b.subscription_updates.size(), 1u);
  EXPECT_EQ(b.subscription_updates[0].removed_ns, 50);
  EXPECT_TRUE(central_.open_agents.empty());
  EXPECT_TRUE(central_.open_subscriptions.empty());
  EXPECT_TRUE(ship(j).empty());
}

TEST_F(JournalFileTest, AStoppedRecordingComesAsAnUpdate) {
  auto j = journal();
  ship(j);
  ASSERT_EQ(central_.open_recordings.size(), 1u);
  ASSERT_TRUE(writer_->stop(900));
  const ShipBatch b = ship(j);
  ASSERT_EQ(b.recording_updates.size(), 1u);
  EXPECT_EQ(b.recording_updates[0].stopped_ns, 900);
  EXPECT_TRUE(central_.open_recordings.empty());
}

TEST_F(JournalFileTest, AFinishedFileIsCompletedByItsLastBatch) {
  std::vector<Record> records{join(1, "A")};
  for (int i = 0; i < 15; ++i) records.push_back(message(1, "m", 10 + i));
  ASSERT_TRUE(writer_->write(records));
  auto j = journal();
  EXPECT_FALSE(ship(j, 10, /*finished=*/true).completes_file);
  const ShipBatch last = ship(j, 10, true);
  EXPECT_EQ(last.messages.size(), 5u);
  EXPECT_TRUE(last.completes_file);
  EXPECT_TRUE(central_.complete);
}

TEST_F(JournalFileTest, ExtentIsTheHighestIdsAndTheNewestTime) {
  ASSERT_TRUE(writer_->write({join(1, "A", 5), message(1, "a", 10), message(1, "b", 70)}));
  auto j = journal();
  auto extent = j.extent();
  ASSERT_TRUE(extent);
  EXPECT_EQ(*extent, (JournalExtent{2, 1, 70}));
  EXPECT_EQ(rows_after(*extent, ShipPosition{0, 0, 0, 1, 0}), 2);
}

TEST(JournalFile, AFileWithoutTablesIsNotReadyYet) {
  TempDir dir;
  { auto db = Database::open(dir.file("new.db"), OpenMode::kReadWriteCreate); }
  auto j = JournalFile::open(dir.file("new.db"));
  ASSERT_FALSE(j);
  EXPECT_EQ(j.error().code, kJournalNotReady);
}

}  // namespace
}  // namespace ivy::storage
