#include "storage/central_schema.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "tests/storage/pg_test_server.hpp"

namespace ivy::storage {
namespace {

using testing::PgTestDatabase;

std::unique_ptr<PgConnection> connect(const PgTestDatabase& db) {
  auto conn = PgConnection::connect(db.url());
  EXPECT_TRUE(conn) << conn.error().message;
  return conn ? std::move(*conn) : nullptr;
}

TEST(CentralSchema, CreatesEveryTableOnAnEmptyDatabase) {
  PgTestDatabase db;
  auto conn = connect(db);
  ASSERT_TRUE(conn);
  EXPECT_EQ(*central_schema_version(*conn), 0);
  ASSERT_TRUE(migrate_central(*conn));
  EXPECT_EQ(*central_schema_version(*conn), kCentralSchemaVersion);
  for (const char* table : {"files", "recordings", "agents", "subscriptions", "messages", "receivers", "events",
                            "unshipped", "sites"}) {
    EXPECT_EQ(db.text(std::string("SELECT to_regclass('") + table + "') IS NOT NULL"), "t") << table;
  }
  EXPECT_EQ(db.count("SELECT count(*) FROM pg_indexes WHERE indexname IN ('messages_by_time', "
                     "'messages_by_sender', 'events_by_time', 'agents_by_name')"),
            4);
}

TEST(CentralSchema, MigratingTwiceChangesNothing) {
  PgTestDatabase db;
  auto conn = connect(db);
  ASSERT_TRUE(migrate_central(*conn));
  ASSERT_TRUE(migrate_central(*conn));
  EXPECT_EQ(db.count("SELECT count(*) FROM ivyd_schema"), 1);
}

TEST(CentralSchema, TwoIvydMigratingAtOnceBothSucceed) {
  PgTestDatabase db;
  auto a = connect(db);
  auto b = connect(db);
  Status sa, sb;
  std::thread ta([&] { sa = migrate_central(*a); });
  std::thread tb([&] { sb = migrate_central(*b); });
  ta.join();
  tb.join();
  EXPECT_TRUE(sa) << sa.error().message;
  EXPECT_TRUE(sb) << sb.error().message;
  EXPECT_EQ(db.text("SELECT version FROM ivyd_schema"), std::to_string(kCentralSchemaVersion));
}

TEST(CentralSchema, AStoreFromANewerIvydIsRefusedAndLeftAlone) {
  PgTestDatabase db;
  auto conn = connect(db);
  ASSERT_TRUE(migrate_central(*conn));
  ASSERT_EQ(db.exec("UPDATE ivyd_schema SET version = 99"), "");
  const auto migrated = migrate_central(*conn);
  ASSERT_FALSE(migrated);
  EXPECT_EQ(migrated.error().code, kCentralNewerSchema);
  EXPECT_NE(migrated.error().message.find("version 99, newer than this ivyd's"), std::string::npos)
      << migrated.error().message;
  EXPECT_EQ(db.text("SELECT version FROM ivyd_schema"), "99");
}

TEST(CentralSchema, ADatabaseNotInUtf8IsRefused) {
  PgTestDatabase db;
  const std::string latin = db.name() + "_latin1";
  ASSERT_EQ(db.server().admin("CREATE DATABASE " + latin + " ENCODING 'LATIN1' TEMPLATE template0"), "");
  {
    auto conn = PgConnection::connect(db.server().url(latin));
    ASSERT_TRUE(conn);
    const auto migrated = migrate_central(**conn);
    ASSERT_FALSE(migrated);
    EXPECT_NE(migrated.error().message.find("LATIN1, ivyd needs UTF8"), std::string::npos)
        << migrated.error().message;
  }
  db.server().admin("DROP DATABASE " + latin + " WITH (FORCE)");
}

}  // namespace
}  // namespace ivy::storage

