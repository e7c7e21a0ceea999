#pragma once
// Thin RAII owners for sqlite3* and sqlite3_stmt*, and the few helpers the
// storage layer needs. Errors come back as ivy::Error with `code` = the SQLite
// extended result code, so callers can tell SQLITE_FULL from SQLITE_CORRUPT.
//
// Thread: a Database and its Statements belong to one thread at a time.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <sqlite3.h>

#include "core/result.hpp"

namespace ivy::storage {

enum class OpenMode { kReadWriteCreate, kReadOnly };

class Statement {
 public:
  Statement() = default;
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}

  // Binds by 1-based index. Text is not copied (SQLITE_STATIC): it must
  // stay alive until the next step()/reset().
  void bind(int index, std::int64_t value);
  void bind(int index, std::string_view text);
  void bind_null(int index);

  // Steps once: SQLITE_ROW, SQLITE_DONE or an error code.
  int step();
  void reset();  // resets and clears bindings

  std::int64_t int64(int column) const;
  std::string text(int column) const;
  bool is_null(int column) const;

  sqlite3_stmt* get() const { return stmt_.get(); }

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
};

class Database {
 public:
  static Result<Database> open(const std::string& path, OpenMode mode);

  // Runs SQL with no parameters and no rows wanted.
  Status exec(const char* sql);
  Result<Statement> prepare(std::string_view sql);
  // Runs a one-row, one-column query ("PRAGMA user_version").
  Result<std::int64_t> query_int(const char* sql);
  Result<std::string> query_text(const char* sql);

  // An Error for the connection's last failure, prefixed with `what`.
  Error error(std::string_view what) const;
  std::int64_t last_insert_rowid() const;
  sqlite3* get() const { return db_.get(); }

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  std::unique_ptr<sqlite3, Closer> db_;
};

// True for result codes that mean "this file is not a usable database".
bool is_corruption(int code);

}  // namespace ivy::storage
