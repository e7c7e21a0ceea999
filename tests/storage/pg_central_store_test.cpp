#include "storage/pg_central_store.hpp"

#include <future>

#include <gtest/gtest.h>

#include "tests/storage/pg_test_server.hpp"

namespace ivy::storage {
namespace {

using testing::PgTestDatabase;

class PgCentralStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(db_.error(), "");
    PgConnection::Options options;
    options.url = db_.url();
    store_ = std::make_unique<PgCentralStore>(options);
    auto opened = store_->open();
    ASSERT_TRUE(opened) << opened.error().message;
  }
  static ShipBatch first_batch() {
    ShipBatch b;
    b.recordings = {RecordingRow{1, 100, std::nullopt, "host", "127:2010", "0.1.0", "d"}};
    b.agents = {AgentRow{1, 1, 5, "app", "A", "h", 4000, "127:2010", 100, std::nullopt, std::nullopt},
                AgentRow{2, 1, 6, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
                         std::nullopt, std::nullopt, std::nullopt}};
    b.subscriptions = {SubscriptionRow{1, 2, 3, "^hello (.*)", 100, std::nullopt}};
    b.messages = {MessageRow{1, 200, 20, 1, "hello\tworld\n", std::nullopt, std::nullopt},
                  MessageRow{2, 300, 30, 1, std::string("bad \xFF byte", 10), "far", "X"}};
    b.receivers = {ReceiverRow{1, 2, 3}};
    b.events = {EventRow{1, 100, 10, "join", 1, 0, std::nullopt, std::nullopt}};
    b.to = ShipPosition{1, 2, 1, 2, 1};
    b.last_row_ns = 300;
    return b;
  }

  PgTestDatabase db_;
  std::unique_ptr<PgCentralStore> store_;
};

TEST_F(PgCentralStoreTest, ShipsRowsWithTheirLocalIdsAndMovesThePosition) {
  auto file = store_->file("lab-1", "rec-20261125-100000.db", 50);
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(file->position, ShipPosition{});
  ASSERT_TRUE(store_->ship(file->id, file->position, first_batch(), 999));
  EXPECT_EQ(db_.count("SELECT count(*) FROM messages"), 2);
  EXPECT_EQ(db_.text("SELECT text FROM messages WHERE id = 1"), "hello\tworld\n");
  EXPECT_EQ(db_.text("SELECT text FROM messages WHERE id = 2"), "bad \xEF\xBF\xBD byte");
  EXPECT_EQ(db_.text("SELECT origin_bus || '/' || origin_agent FROM messages WHERE id = 2"), "far/X");
  EXPECT_EQ(db_.text("SELECT a.name FROM receivers r JOIN agents a ON a.file_id = r.file_id AND a.id = r.agent_id"),
            "");  // the receiver is the placeholder agent 2 (no name)
  EXPECT_EQ(db_.count("SELECT count(*) FROM agents WHERE name IS NULL"), 1);
  EXPECT_EQ(db_.text("SELECT site || ' ' || shipped_message || ' ' || shipped_event || ' ' || last_row_ns || ' ' || "
                     "shipped_at_ns FROM files"),
            "lab-1 2 1 300 999");
  EXPECT_EQ(store_->repaired_rows(), 1u);

  auto again = store_->file("lab-1", "rec-20261125-100000.db", 50);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->id, file->id);
  EXPECT_EQ(again->position, (ShipPosition{1, 2, 1, 2, 1}));
  EXPECT_EQ(again->open_agents.size(), 2u);
  EXPECT_EQ(again->open_subscriptions.size(), 1u);
  EXPECT_EQ(again->open_recordings.size(), 1u);
  EXPECT_EQ(again->last_row_ns, 300);
}

TEST_F(PgCentralStoreTest, ABatchFromAStalePositionIsRefusedWhole) {
  auto file = store_->file("lab-1", "f.db", 50);
  ASSERT_TRUE(store_->ship(file->id, {}, first_batch(), 1));
  const auto twice = store_->ship(file->id, {}, first_batch(), 2);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, kShipConflict);
  EXPECT_EQ(db_.count("SELECT count(*) FROM messages"), 2);
  ShipBatch next;
  next.messages = {MessageRow{3, 400, 40, 1, "more", std::nullopt, std::nullopt}};
  next.to = ShipPosition{1, 2, 1, 3, 1};
  EXPECT_TRUE(store_->ship(file->id, ShipPosition{1, 2, 1, 2, 1}, next, 3));
  EXPECT_EQ(db_.count("SELECT count(*) FROM messages"), 3);
}

TEST_F(PgCentralStoreTest, UpdatesChangeShippedRows) {
  auto file = store_->file("lab-1", "f.db", 50);
  ASSERT_TRUE(store_->ship(file->id, {}, first_batch(), 1));
  ShipBatch b;
  b.to = first_batch().to;
  b.recording_updates = {RecordingRow{1, 100, 900, "host", "127:2010", "0.1.0", "d"}};
  AgentRow left = first_batch().agents[0];
  left.left_ns = 800;
  left.left_how = "bye";
  b.agent_updates = {left};
  b.subscription_updates = {SubscriptionRow{1, 2, 3, "^hello (.*)", 100, 700}};
  b.completes_file = true;
  ASSERT_TRUE(store_->ship(file->id, b.to, b, 2));
  EXPECT_EQ(db_.text("SELECT stopped_ns FROM recordings"), "900");
  EXPECT_EQ(db_.text("SELECT left_ns || left_how FROM agents WHERE id = 1"), "800bye");
  EXPECT_EQ(db_.text("SELECT removed_ns FROM subscriptions"), "700");
  EXPECT_EQ(db_.text("SELECT complete FROM files"), "t");
  auto complete = store_->complete_files("lab-1");
  ASSERT_TRUE(complete);
  EXPECT_EQ(*complete, std::set<std::string>{"f.db"});
  EXPECT_TRUE(store_->complete_files("other")->empty());
}

TEST_F(PgCentralStoreTest, RetiringRecordsWhatTheStoreLacksAsAGap) {
  auto file = store_->file("lab-1", "f.db", 50);
  ASSERT_TRUE(store_->ship(file->id, {}, first_batch(), 1));
  auto retired = store_->retire(file->id, JournalExtent{10, 4, 5000}, 7);
  ASSERT_TRUE(retired) << retired.error().message;
  EXPECT_EQ(retired->lost_messages, 8);
  EXPECT_EQ(retired->lost_events, 3);
  EXPECT_EQ(retired->from_ns, 300);
  EXPECT_EQ(db_.text("SELECT from_ns || ' ' || to_ns || ' ' || messages || ' ' || events || ' ' || noted_ns "
                     "FROM unshipped"),
            "300 5000 8 3 7");
  EXPECT_EQ(db_.text("SELECT complete FROM files"), "t");
  auto whole = store_->file("lab-1", "g.db", 60);
  auto none = store_->retire(whole->id, JournalExtent{}, 8);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->lost(), 0);
  EXPECT_EQ(db_.count("SELECT count(*) FROM unshipped"), 1);
}

TEST_F(PgCentralStoreTest, ALostConnectionIsReportedAndAReopenRecovers) {
  auto file = store_->file("lab-1", "f.db", 50);
  ASSERT_EQ(db_.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                     "AND pid <> pg_backend_pid()"),
            "");
  const auto shipped = store_->ship(file->id, {}, first_batch(), 1);
  ASSERT_FALSE(shipped);
  EXPECT_EQ(shipped.error().code, kPgConnectionLost);
  ASSERT_TRUE(store_->open());
  EXPECT_TRUE(store_->ship(file->id, {}, first_batch(), 1));
}

TEST_F(PgCentralStoreTest, InterruptedStoresRefuseToReconnect) {
  store_->close();
  store_->interrupt();
  const auto opened = store_->open();
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, kPgConnectionLost);
}

// Another ivyd migrating holds the lock this open() waits for: stopping the
// shipper must still end the wait, not hang until the lock is released.
TEST_F(PgCentralStoreTest, InterruptEndsAnOpenWaitingForTheMigrationLock) {
  PgConnection::Options options;
  options.url = db_.url();
  auto holder = PgConnection::connect(options);
  ASSERT_TRUE(holder) << holder.error().message;
  ASSERT_TRUE((*holder)->exec("SELECT pg_advisory_lock(7305151515)"));
  PgCentralStore waiting(options);
  auto opened = std::async(std::launch::async, [&] { return waiting.open(); });
  EXPECT_EQ(opened.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);  // it waits
  waiting.interrupt();
  const bool ended = opened.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  (void)(*holder)->exec("SELECT pg_advisory_unlock(7305151515)");  // lets a hung open() end in any case
  ASSERT_TRUE(ended) << "open() went on waiting for the lock after interrupt()";
  EXPECT_FALSE(opened.get());
}

}  // namespace
}  // namespace ivy::storage
