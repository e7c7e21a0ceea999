#include "storage/sqlite_handle.hpp"

#include <gtest/gtest.h>

#include "tests/storage/test_support.hpp"

namespace ivy::storage {
namespace {

using namespace testing;

TEST(SqliteHandle, BindsAndReadsBack) {
  auto db = Database::open(":memory:", OpenMode::kReadWriteCreate);
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->exec("CREATE TABLE t(a INTEGER, b TEXT)"));
  auto ins = db->prepare("INSERT INTO t VALUES(?1, ?2)");
  ASSERT_TRUE(ins);
  const std::string text("with\0nul", 8);
  ins->bind(1, std::int64_t{-5});
  ins->bind(2, text);
  ASSERT_EQ(ins->step(), SQLITE_DONE);
  auto sel = db->prepare("SELECT a, b FROM t");
  ASSERT_EQ(sel->step(), SQLITE_ROW);
  EXPECT_EQ(sel->int64(0), -5);
  EXPECT_EQ(sel->text(1), text);
}

TEST(SqliteHandle, ErrorsCarryTheSqliteCode) {
  TempDir dir;
  auto db = Database::open(dir.file("missing/dir/x.db"), OpenMode::kReadWriteCreate);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code & 0xff, SQLITE_CANTOPEN);
  EXPECT_NE(db.error().message.find("cannot open"), std::string::npos);
}

TEST(SqliteHandle, ReportsPrepareErrors) {
  auto db = Database::open(":memory:", OpenMode::kReadWriteCreate);
  auto bad = db->prepare("SELECT * FROM nowhere");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("no such table"), std::string::npos);
}

TEST(SqliteHandle, RecognisesCorruptionCodes) {
  EXPECT_TRUE(is_corruption(SQLITE_CORRUPT));
  EXPECT_TRUE(is_corruption(SQLITE_NOTADB));
  EXPECT_TRUE(is_corruption(SQLITE_CORRUPT_INDEX));
  EXPECT_FALSE(is_corruption(SQLITE_FULL));
  EXPECT_FALSE(is_corruption(SQLITE_BUSY));
}

}  // namespace
}  // namespace ivy::storage
