#include "storage/schema.hpp"

#include <gtest/gtest.h>

#include "tests/storage/test_support.hpp"

namespace ivy::storage {
namespace {

using namespace testing;

Database open_db(const std::string& path) {
  auto db = Database::open(path, OpenMode::kReadWriteCreate);
  EXPECT_TRUE(db) << db.error().message;
  return std::move(*db);
}

std::int64_t count_objects(Database& db, const char* type) {
  auto stmt = db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = ?1");
  stmt->bind(1, std::string_view(type));
  EXPECT_EQ(stmt->step(), SQLITE_ROW);
  return stmt->int64(0);
}

TEST(Schema, CreatesEveryTableInAnEmptyFile) {
  TempDir dir;
  Database db = open_db(dir.file("a.db"));
  ASSERT_TRUE(migrate(db));
  EXPECT_EQ(*db.query_int("PRAGMA user_version"), kSchemaVersion);
  EXPECT_EQ(count_objects(db, "table"), 6);
  for (const char* table : {"recordings", "agent", "subscription", "message", "receiver", "event"}) {
    const std::string sql = std::string("SELECT count(*) FROM ") + table;
    EXPECT_TRUE(db.query_int(sql.c_str())) << table;
  }
}

TEST(Schema, MigratesVersionOneToCurrent) {
  TempDir dir;
  Database db = open_db(dir.file("a.db"));
  ASSERT_TRUE(migrate_to(db, 1));
  EXPECT_EQ(*db.query_int("PRAGMA user_version"), 1);
  EXPECT_EQ(count_objects(db, "index"), 0);  // receiver is WITHOUT ROWID: no index
  ASSERT_TRUE(db.exec("INSERT INTO recordings(started_ns, host, bus, ivyd_version, "
                      "config_digest) VALUES(1, 'h', 'b', 'v', 'd')"));
  ASSERT_TRUE(migrate(db));
  EXPECT_EQ(*db.query_int("PRAGMA user_version"), kSchemaVersion);
  EXPECT_EQ(count_objects(db, "index"), 3);
  EXPECT_EQ(*db.query_int("SELECT count(*) FROM recordings"), 1);
}

TEST(Schema, MigrationIsIdempotent) {
  TempDir dir;
  Database db = open_db(dir.file("a.db"));
  ASSERT_TRUE(migrate(db));
  ASSERT_TRUE(migrate(db));
  EXPECT_EQ(*db.query_int("PRAGMA user_version"), kSchemaVersion);
}

TEST(Schema, RefusesFileFromNewerIvyd) {
  TempDir dir;
  Database db = open_db(dir.file("a.db"));
  ASSERT_TRUE(db.exec("PRAGMA user_version = 99"));
  auto status = migrate(db);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, kNewerSchema);
  EXPECT_NE(status.error().message.find("newer"), std::string::npos);
}

}  // namespace
}  // namespace ivy::storage
