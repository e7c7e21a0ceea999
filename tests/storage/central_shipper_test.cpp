#include "storage/central_shipper.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "storage/memory_central_store.hpp"
#include "storage/recording_file.hpp"
#include "storage/shipper_slot.hpp"
#include "tests/storage/pg_test_server.hpp"
#include "tests/storage/test_support.hpp"

namespace ivy::storage {
namespace {

using namespace testing;
using namespace std::chrono_literals;

class CentralShipperTest : public ::testing::Test {
 protected:
  CentralShipperOptions options() {
    CentralShipperOptions o;
    o.shipper.path = dir_.file("rec.db");
    o.shipper.site = "lab";
    o.shipper.batch_rows = 100;
    o.interval = 20ms;
    o.retry_min = 20ms;
    o.retry_max = 50ms;
    return o;
  }
  RecordingFile& file() {
    if (!file_) {
      const std::string path = FileSet(dir_.file("rec.db")).new_file_path(1'795'600'800'000'000'000);
      file_ = RecordingFile::open(path, RecordingMeta{"h", "b", "v", "d"}, 1, {}).value();
    }
    return *file_;
  }
  void record(int count) {
    std::vector<Record> batch;
    for (int i = 0; i < count; ++i, ++next_) batch.push_back(message(1, "m" + std::to_string(next_), next_ + 1));
    ASSERT_TRUE(file().write(batch));
  }

  TempDir dir_;
  std::unique_ptr<RecordingFile> file_;
  int next_ = 0;
};

TEST_F(CentralShipperTest, ShipsInTheBackgroundAsRowsAreRecorded) {
  auto store = std::make_unique<MemoryCentralStore>();
  MemoryCentralStore& memory = *store;
  CentralShipper shipper(options(), std::move(store));
  record(250);
  ASSERT_TRUE(wait_until([&] { return memory.message_count() == 250; })) << memory.message_count();
  record(5);
  ASSERT_TRUE(wait_until([&] { return memory.message_count() == 255; }));
  EXPECT_TRUE(wait_until([&] { return shipper.stats().backlog_rows == 0; }));
  EXPECT_EQ(shipper.stats().shipped_messages, 255u);
}

TEST_F(CentralShipperTest, RetriesUntilTheStoreIsBack) {
  auto store = std::make_unique<MemoryCentralStore>();
  MemoryCentralStore& memory = *store;
  memory.set_down(true);
  CentralShipper shipper(options(), std::move(store));
  record(10);
  ASSERT_TRUE(wait_until([&] { return memory.opens() == 0 && !shipper.stats().last_error.empty(); }));
  memory.set_down(false);
  EXPECT_TRUE(wait_until([&] { return memory.message_count() == 10; }));
  EXPECT_TRUE(shipper.stats().connected);
}

TEST_F(CentralShipperTest, ClosesPromptlyEvenWhenTheServerDoesNotAnswer) {
  // A loopback socket that listens but never reads: the TCP connection is
  // made, the server's answer never comes.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  auto o = options();
  o.connection.url = "postgresql://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/x";
  o.connection.connect_timeout = 60s;
  CentralShipper shipper(o);
  std::this_thread::sleep_for(300ms);
  const auto started = std::chrono::steady_clock::now();
  shipper.close();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  EXPECT_EQ(shipper.stats().shipped_rows, 0u);
  ::close(listener);
}

TEST_F(CentralShipperTest, ShipsToPostgresql) {
  PgTestDatabase db;
  auto o = options();
  o.connection.url = db.url();
  CentralShipper shipper(o);
  record(120);
  ASSERT_TRUE(wait_until([&] { return db.count("SELECT count(*) FROM messages") == 120; }, 20s))
      << shipper.stats().last_error;
  EXPECT_EQ(db.text("SELECT site FROM files"), "lab");
  EXPECT_EQ(shipper.stats().target, db.url());
}

TEST_F(CentralShipperTest, TheSlotForwardsRetirementsToTheShipperInIt) {
  auto store = std::make_unique<MemoryCentralStore>();
  MemoryCentralStore& memory = *store;
  ShipperSlot slot;
  slot.on_retiring("/nowhere.db");  // empty slot: nothing happens
  CentralShipper shipper(options(), std::move(store));
  slot.set(&shipper);
  record(3);
  ASSERT_TRUE(wait_until([&] { return memory.message_count() == 3; }));
  ASSERT_TRUE(file().write({message(1, "unshipped", 99)}));
  memory.set_down(true);
  slot.on_retiring(file_->path());
  memory.set_down(false);
  EXPECT_TRUE(wait_until([&] { return shipper.stats().gaps == 1; })) << shipper.stats().last_error;
  slot.set(nullptr);
}

}  // namespace
}  // namespace ivy::storage

namespace ivy::storage {
namespace {

using namespace testing;
using namespace std::chrono_literals;

// Retention deletes a file before its last rows were shipped: the store
// gets the gap (PostgreSQL, through the real shipper thread).
TEST(CentralShipperGap, RowsRetentionDeletedBeforeShippingAreAGapInPostgresql) {
  PgTestDatabase db;
  TempDir dir;
  CentralShipperOptions o;
  o.shipper.path = dir.file("rec.db");
  o.shipper.site = "lab";
  o.connection.url = db.url();
  o.interval = 3600s;  // ships when woken only
  const std::string path = FileSet(dir.file("rec.db")).new_file_path(1'795'600'800'000'000'000);
  auto file = RecordingFile::open(path, RecordingMeta{"h", "b", "v", "d"}, 1, {}).value();
  ASSERT_TRUE(file->write({join(1, "A", 10), message(1, "shipped", 20)}));
  CentralShipper shipper(o);
  shipper.wake();
  ASSERT_TRUE(wait_until([&] { return db.count("SELECT count(*) FROM messages") == 1; }, 20s))
      << shipper.stats().last_error;
  ASSERT_TRUE(file->write({message(1, "never shipped", 30), message(1, "never shipped", 40)}));
  shipper.on_retiring(path);  // before the next interval: the two are not in the store
  ASSERT_TRUE(wait_until([&] { return shipper.stats().gaps == 1; }, 20s)) << shipper.stats().last_error;
  EXPECT_EQ(shipper.stats().lost_rows, 2u);
  EXPECT_EQ(db.text("SELECT messages || ' ' || events || ' ' || from_ns || ' ' || to_ns FROM unshipped"), "2 0 20 40");
  EXPECT_EQ(db.text("SELECT complete FROM files"), "t");
  EXPECT_EQ(db.count("SELECT count(*) FROM messages"), 1);
}

}  // namespace
}  // namespace ivy::storage
