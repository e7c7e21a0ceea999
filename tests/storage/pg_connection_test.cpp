#include "storage/pg_connection.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "tests/storage/pg_test_server.hpp"

namespace ivy::storage {
namespace {

using testing::PgTestDatabase;

std::unique_ptr<PgConnection> connect(const std::string& url) {
  auto conn = PgConnection::connect(url);
  EXPECT_TRUE(conn) << conn.error().message;
  return conn ? std::move(*conn) : nullptr;
}

TEST(PgConnection, RunsSqlWithParametersAndReadsRows) {
  PgTestDatabase db;
  ASSERT_EQ(db.error(), "");
  auto conn = connect(db.url());
  ASSERT_TRUE(conn);
  ASSERT_TRUE(conn->exec("CREATE TABLE t(a bigint, b text)"));
  ASSERT_TRUE(conn->query("INSERT INTO t VALUES ($1, $2), ($3, $4)", {"5", "five", "6", std::nullopt}));
  auto rows = conn->query("SELECT a, b FROM t ORDER BY a");
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->rows(), 2);
  EXPECT_EQ(rows->int64(0, 0), 5);
  EXPECT_EQ(rows->text(0, 1), "five");
  EXPECT_TRUE(rows->is_null(1, 1));
  EXPECT_EQ(conn->parameter("server_encoding"), "UTF8");
}

TEST(PgConnection, CopiesRowsIn) {
  PgTestDatabase db;
  auto conn = connect(db.url());
  ASSERT_TRUE(conn);
  ASSERT_TRUE(conn->exec("CREATE TABLE t(a bigint, b text)"));
  ASSERT_TRUE(conn->copy_in("COPY t FROM STDIN", "1\tone\n2\t\\N\n3\ttab\\there\n"));
  EXPECT_EQ(db.count("SELECT count(*) FROM t"), 3);
  EXPECT_EQ(db.text("SELECT b FROM t WHERE a = 3"), "tab\there");
}

TEST(PgConnection, ABadCopyIsAnErrorAndTheConnectionStaysUsable) {
  PgTestDatabase db;
  auto conn = connect(db.url());
  ASSERT_TRUE(conn);
  ASSERT_TRUE(conn->exec("CREATE TABLE t(a bigint PRIMARY KEY)"));
  const auto copied = conn->copy_in("COPY t FROM STDIN", "1\n1\n");
  ASSERT_FALSE(copied);
  EXPECT_NE(copied.error().message.find("23505"), std::string::npos) << copied.error().message;
  EXPECT_EQ(copied.error().code, 0);
  EXPECT_TRUE(conn->query("SELECT 1"));
}

TEST(PgConnection, ARefusedConnectionSaysWhereAndIsLost) {
  // Port 1 on loopback: nobody listens there (a privileged port no test uses).
  auto conn = PgConnection::connect(std::string("postgresql://127.0.0.1:1/x"));
  ASSERT_FALSE(conn);
  EXPECT_EQ(conn.error().code, kPgConnectionLost);
  EXPECT_NE(conn.error().message.find("127.0.0.1"), std::string::npos) << conn.error().message;
}

TEST(PgConnection, InterruptEndsACallInProgress) {
  PgTestDatabase db;
  auto conn = connect(db.url());
  ASSERT_TRUE(conn);
  std::thread interrupter([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    conn->interrupt();
  });
  const auto started = std::chrono::steady_clock::now();
  const auto slept = conn->exec("SELECT pg_sleep(30)");
  interrupter.join();
  ASSERT_FALSE(slept);
  EXPECT_EQ(slept.error().code, kPgConnectionLost);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20));
  EXPECT_TRUE(conn->broken());
}

TEST(PgConnection, AnInterruptFlagStopsConnecting) {
  std::atomic<bool> stop{true};
  PgConnection::Options options;
  options.url = "postgresql://127.0.0.1:1/x";
  auto conn = PgConnection::connect(options, &stop);
  ASSERT_FALSE(conn);
  EXPECT_EQ(conn.error().code, kPgConnectionLost);
}

TEST(PgConnection, RedactsPasswordsFromUrls) {
  EXPECT_EQ(redact_url("postgresql://ivyd:s3cret@db.lab:5432/ivy"), "postgresql://ivyd:***@db.lab:5432/ivy");
  EXPECT_EQ(redact_url("postgresql://db.lab/ivy?sslmode=require&password=x&a=b"),
            "postgresql://db.lab/ivy?sslmode=require&password=***&a=b");
  EXPECT_EQ(redact_url("postgresql://ivyd@db.lab/ivy"), "postgresql://ivyd@db.lab/ivy");
}

}  // namespace
}  // namespace ivy::storage
