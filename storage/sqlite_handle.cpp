#include "storage/sqlite_handle.hpp"

namespace ivy::storage {

void Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_.get(), index, value);
}

void Statement::bind(int index, std::string_view text) {
  // SQLITE_STATIC: the caller keeps the text alive until step() returns.
  sqlite3_bind_text(stmt_.get(), index, text.data(),
                    static_cast<int>(text.size()), SQLITE_STATIC);
}

void Statement::bind_null(int index) { sqlite3_bind_null(stmt_.get(), index); }

int Statement::step() { return sqlite3_step(stmt_.get()); }

void Statement::reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

std::int64_t Statement::int64(int column) const {
  return sqlite3_column_int64(stmt_.get(), column);
}

std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_.get(), column);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), column)));
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

Result<Database> Database::open(const std::string& path, OpenMode mode) {
  const int flags = mode == OpenMode::kReadOnly
                        ? SQLITE_OPEN_READONLY
                        : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  Database db;
  db.db_.reset(raw);
  if (rc != SQLITE_OK) {
    return fail("cannot open " + path + ": " +
                    (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)),
                raw ? sqlite3_extended_errcode(raw) : rc);
  }
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

Status Database::exec(const char* sql) {
  if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return Unexpected<Error>{error(sql)};
  }
  return {};
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                         SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
    return Unexpected<Error>{error(sql)};
  }
  return Statement(stmt);
}

Result<std::int64_t> Database::query_int(const char* sql) {
  auto stmt = prepare(sql);
  if (!stmt) return Unexpected<Error>{stmt.error()};
  if (stmt->step() != SQLITE_ROW) return Unexpected<Error>{error(sql)};
  return stmt->int64(0);
}

Result<std::string> Database::query_text(const char* sql) {
  auto stmt = prepare(sql);
  if (!stmt) return Unexpected<Error>{stmt.error()};
  if (stmt->step() != SQLITE_ROW) return Unexpected<Error>{error(sql)};
  return stmt->text(0);
}

Error Database::error(std::string_view what) const {
  std::string message(what.substr(0, 60));
  message += ": ";
  message += sqlite3_errmsg(db_.get());
  return Error{std::move(message), sqlite3_extended_errcode(db_.get())};
}

std::int64_t Database::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(db_.get());
}

bool is_corruption(int code) {
  const int primary = code & 0xff;
  return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
}

}  // namespace ivy::storage
