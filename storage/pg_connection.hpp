#pragma once
// PgConnection: one libpq connection to a central PostgreSQL, with the few
// things the storage layer does on it: run SQL, run SQL with parameters and
// read the rows, COPY rows in. PgResult owns one PGresult.
//
// Connecting never waits longer than the connect timeout, and interrupt()
// (from any thread) makes a connect or a call in progress fail at once, so
// a thread shipping to a server that has vanished can be stopped promptly.
// TCP keepalives and TCP_USER_TIMEOUT are on (the URI may override them), so
// a cut network is noticed within about a minute even mid-COPY. Sessions run
// with synchronous_commit=off (see the .cpp for why that is safe here).
//
// Errors: Error.message is libpq's (first line, with its SQLSTATE when the
// server sent one); Error.code is kPgConnectionLost when the connection is
// gone (server down, network cut, interrupted), else 0. After a lost
// connection every call fails: make a new PgConnection.
//
// Thread: one thread uses a connection; interrupt() may come from another.

#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace ivy::storage {

inline constexpr int kPgConnectionLost = 1;

class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(PGresult* result) : result_(result) {}

  int rows() const { return result_ ? PQntuples(result_.get()) : 0; }
  int columns() const { return result_ ? PQnfields(result_.get()) : 0; }
  bool is_null(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  std::string_view text(int row, int column) const;
  // 0 for NULL.
  std::int64_t int64(int row, int column) const;

 private:
  struct Clear {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  std::unique_ptr<PGresult, Clear> result_;
};

// One parameter of a query: text, or NULL (nullopt).
using PgParam = std::optional<std::string>;

class PgConnection {
 public:
  struct Options {
    std::string url;              // libpq URI (config central.url)
    std::string password;         // "" = libpq's own (URI, PGPASSWORD, ~/.pgpass)
    std::string application_name = "ivyd";
    std::chrono::milliseconds connect_timeout{10000};
  };

  // Connects. `interrupt_flag`, if given, is polled while connecting: once
  // true, connecting fails (kPgConnectionLost).
  static Result<std::unique_ptr<PgConnection>> connect(const Options& options,
                                                       const std::atomic<bool>* interrupt_flag = nullptr);
  static Result<std::unique_ptr<PgConnection>> connect(const std::string& url) {
    Options options;
    options.url = url;
    return connect(options);
  }
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs one or more statements; rows, if any, are thrown away.
  Status exec(std::string_view sql);
  Result<PgResult> query(std::string_view sql, const std::vector<PgParam>& params = {});
  // COPY ... FROM STDIN (text format) with `data` as the rows.
  Status copy_in(std::string_view copy_sql, std::string_view data);

  // Thread-safe: shuts the socket down so the call in progress (and every
  // later one) fails with kPgConnectionLost.
  void interrupt();
  bool broken() const { return PQstatus(conn_) != CONNECTION_OK; }
  // The server's encoding, version, ... (PQparameterStatus).
  std::string parameter(const char* name) const;

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  Error error(std::string_view what, const PGresult* result = nullptr) const;
  Result<PgResult> check(PGresult* raw, std::string_view what, ExecStatusType expected);

  PGconn* conn_;
  std::mutex socket_mutex_;  // guards socket_ (interrupt() vs. the destructor)
  int socket_ = -1;          // the connected socket, for interrupt()
};

// `url` with any password replaced by "***", for logs and status.
std::string redact_url(std::string_view url);

}  // namespace ivy::storage
