#pragma once
// PostgreSQL for the tests of the central store (issue 15): a real server,
// started by tests/storage/pg_test_server.sh in a temporary directory on a
// free loopback port, and a fresh database per test.
//
//   PgTestDatabase db;                    // on the shared server
//   store.connect(db.url());  ...  db.query_int("SELECT count(*) FROM messages")
//
// Sharing: ctest runs every test in its own process, so the server shared by
// the suite is started once by a ctest fixture (central.pg_server_start,
// tests/CMakeLists.txt) that writes IVYD_PG_STATE; shared() uses it. A test
// binary run by hand (or under TSan, outside ctest) finds no live server
// there and starts its own, once per process, stopped at exit.
// start_private() gives a test a server of its own, to halt and resume.
//
// Thread: the test's thread.

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

namespace ivy::storage::testing {

class PgTestServer {
 public:
  static PgTestServer& shared() {
    static PgTestServer* server = [] {
      auto* existing = new PgTestServer(IVYD_PG_STATE, /*owned=*/false);
      if (existing->ok()) return existing;
      delete existing;
      static std::unique_ptr<PgTestServer> own = start_private();  // stopped at exit
      return own.get();
    }();
    return *server;
  }

  static std::unique_ptr<PgTestServer> start_private() {
    static std::atomic<int> serial{0};
    const std::string state =
        "/tmp/ivyd-pg-state-" + std::to_string(::getpid()) + "-" + std::to_string(serial++);
    std::unique_ptr<PgTestServer> server(new PgTestServer(state, /*owned=*/true));
    server->run("start");
    server->read_state();
    return server;
  }

  ~PgTestServer() {
    if (owned_) run("stop");
  }
  PgTestServer(const PgTestServer&) = delete;
  PgTestServer& operator=(const PgTestServer&) = delete;

  // True if the server answers.
  bool ok() const { return port_ != 0 && PQping(conninfo("postgres").c_str()) == PQPING_OK; }
  std::uint16_t port() const { return port_; }
  std::string url(const std::string& db, const std::string& user = "postgres") const {
    return "postgresql://" + user + "@127.0.0.1:" + std::to_string(port_) + "/" + db;
  }
  // Stops the server (clean shutdown), keeping its data; resume() starts it
  // again on the same port.
  bool halt() { return run("halt"); }
  bool resume() { return run("resume"); }

  // Runs `sql` as the superuser on `db`; "" on success, else the error.
  std::string admin(const std::string& sql, const std::string& db = "postgres") const {
    PGconn* conn = PQconnectdb(conninfo(db).c_str());
    std::string error;
    if (PQstatus(conn) != CONNECTION_OK) {
      error = PQerrorMessage(conn);
    } else {
      PGresult* r = PQexec(conn, sql.c_str());
      const auto status = PQresultStatus(r);
      if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) error = PQresultErrorMessage(r);
      PQclear(r);
    }
    PQfinish(conn);
    return error;
  }
  // The first column of the first row of `sql` on `db` ("" if none or on error).
  std::string admin_text(const std::string& sql, const std::string& db) const {
    PGconn* conn = PQconnectdb(conninfo(db).c_str());
    std::string value;
    PGresult* r = PQstatus(conn) == CONNECTION_OK ? PQexec(conn, sql.c_str()) : nullptr;
    if (r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) value = PQgetvalue(r, 0, 0);
    PQclear(r);
    PQfinish(conn);
    return value;
  }

 private:
  PgTestServer(std::string state, bool owned) : state_(std::move(state)), owned_(owned) { read_state(); }

  void read_state() {
    std::ifstream in(state_);
    int port = 0;
    if (in >> port) port_ = static_cast<std::uint16_t>(port);
  }
  bool run(const char* command) const {
    const std::string line = std::string(IVYD_SOURCE_DIR) + "/tests/storage/pg_test_server.sh " + command +
                             " '" + state_ + "' >/dev/null";
    return std::system(line.c_str()) == 0;
  }
  std::string conninfo(const std::string& db) const {
    return "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres dbname=" + db + " connect_timeout=10";
  }

  std::string state_;
  bool owned_;
  std::uint16_t port_ = 0;
};

// A fresh database on `server`, dropped (with its connections) at the end.
class PgTestDatabase {
 public:
  explicit PgTestDatabase(PgTestServer& server = PgTestServer::shared()) : server_(server) {
    static std::atomic<int> serial{0};
    name_ = "ivyd_test_" + std::to_string(::getpid()) + "_" + std::to_string(serial++);
    error_ = server_.admin("CREATE DATABASE " + name_);
  }
  ~PgTestDatabase() { server_.admin("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)"); }
  PgTestDatabase(const PgTestDatabase&) = delete;
  PgTestDatabase& operator=(const PgTestDatabase&) = delete;

  // "" if the database was created, else why not.
  const std::string& error() const { return error_; }
  const std::string& name() const { return name_; }
  std::string url(const std::string& user = "postgres") const { return server_.url(name_, user); }
  PgTestServer& server() { return server_; }

  std::string exec(const std::string& sql) const { return server_.admin(sql, name_); }
  std::string text(const std::string& sql) const { return server_.admin_text(sql, name_); }
  // -1 if the query failed or returned no row.
  long long count(const std::string& sql) const {
    const std::string value = text(sql);
    return value.empty() ? -1 : std::stoll(value);
  }

 private:
  PgTestServer& server_;
  std::string name_;
  std::string error_;
};

}  // namespace ivy::storage::testing
