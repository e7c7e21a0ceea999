#include "storage/pg_connection.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <charconv>
#include <regex>

namespace ivy::storage {
namespace {

void ignore_notice(void*, const char*) {}  // "NOTICE: ... already exists, skipping"

std::string first_line(std::string text) {
  if (auto nl = text.find('\n'); nl != std::string::npos) text.resize(nl);
  return text;
}

// Options before the URI may be overridden by it; the password (from
// password_file) and the encoding we write in come after it and win.
//
// synchronous_commit=off: a batch's COMMIT does not wait for the server's
// disk (about a third of the shipping time here, docs/performance.md). Safe
// with a journal: rows and position are one transaction, so a server crash
// takes back whole batches, positions included, and the shipper, which
// reads the positions again after reconnecting, ships them again. Only a
// file that retention deletes in that fraction of a second becomes a gap,
// recorded as such. The URI's own `options` replace this.
struct Keywords {
  std::vector<const char*> keys;
  std::vector<const char*> values;
  void add(const char* key, const char* value) {
    keys.push_back(key);
    values.push_back(value);
  }
};

bool wait_socket(PGconn* conn, bool for_write, int timeout_ms) {
  pollfd fd{PQsocket(conn), static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
  return ::poll(&fd, 1, timeout_ms) >= 0;
}

}  // namespace

std::string_view PgResult::text(int row, int column) const {
  return {PQgetvalue(result_.get(), row, column),
          static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
}

std::int64_t PgResult::int64(int row, int column) const {
  const std::string_view t = text(row, column);
  std::int64_t value = 0;
  std::from_chars(t.data(), t.data() + t.size(), value);
  return value;
}

Result<std::unique_ptr<PgConnection>> PgConnection::connect(const Options& options,
                                                            const std::atomic<bool>* interrupt_flag) {
  Keywords k;
  k.add("application_name", options.application_name.c_str());
  k.add("keepalives", "1");
  k.add("keepalives_idle", "20");
  k.add("keepalives_interval", "5");
  k.add("keepalives_count", "4");
  k.add("tcp_user_timeout", "40000");
  k.add("options", "-c synchronous_commit=off");
  k.add("dbname", options.url.c_str());
  if (!options.password.empty()) k.add("password", options.password.c_str());
  k.add("client_encoding", "UTF8");
  k.add(nullptr, nullptr);
  PGconn* raw = PQconnectStartParams(k.keys.data(), k.values.data(), /*expand_dbname=*/1);
  if (raw == nullptr) return fail("cannot allocate a PostgreSQL connection", kPgConnectionLost);
  std::unique_ptr<PgConnection> conn(new PgConnection(raw));
  PQsetNoticeProcessor(raw, ignore_notice, nullptr);
  // Non-blocking connect (libpq's connect_timeout applies only to the
  // blocking calls), so that interrupt_flag and our deadline are honoured.
  const auto deadline = std::chrono::steady_clock::now() + options.connect_timeout;
  for (PostgresPollingStatusType state = PGRES_POLLING_WRITING;;) {
    if (PQstatus(raw) == CONNECTION_BAD) break;
    if (interrupt_flag && interrupt_flag->load()) return fail("connecting was interrupted", kPgConnectionLost);
    if (std::chrono::steady_clock::now() >= deadline) {
      return fail("timed out connecting after " + std::to_string(options.connect_timeout.count()) + " ms",
                  kPgConnectionLost);
    }
    if (state == PGRES_POLLING_OK || state == PGRES_POLLING_FAILED) break;
    wait_socket(raw, state == PGRES_POLLING_WRITING, 100);
    state = PQconnectPoll(raw);
  }
  if (PQstatus(raw) != CONNECTION_OK) {
    return Unexpected<Error>{Error{first_line(PQerrorMessage(raw)), kPgConnectionLost}};
  }
  std::lock_guard lock(conn->socket_mutex_);
  conn->socket_ = PQsocket(raw);
  return conn;
}

PgConnection::~PgConnection() {
  {
    std::lock_guard lock(socket_mutex_);
    socket_ = -1;
  }
  PQfinish(conn_);
}

std::string PgConnection::parameter(const char* name) const {
  const char* value = PQparameterStatus(conn_, name);
  return value ? value : "";
}

Error PgConnection::error(std::string_view what, const PGresult* result) const {
  std::string message = first_line(result ? PQresultErrorMessage(result) : PQerrorMessage(conn_));
  if (message.empty()) message = first_line(PQerrorMessage(conn_));
  if (result) {
    if (const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE)) message += " (SQLSTATE " + std::string(state) + ")";
  }
  return Error{std::string(what) + ": " + message, broken() ? kPgConnectionLost : 0};
}

Result<PgResult> PgConnection::check(PGresult* raw, std::string_view what, ExecStatusType expected) {
  PgResult result(raw);
  if (raw == nullptr || PQresultStatus(raw) != expected) return Unexpected<Error>{error(what, raw)};
  return result;
}

Status PgConnection::exec(std::string_view sql) {
  PGresult* raw = PQexec(conn_, std::string(sql).c_str());
  const bool rows = raw && PQresultStatus(raw) == PGRES_TUPLES_OK;  // SELECT pg_advisory_xact_lock(...)
  auto r = check(raw, sql.substr(0, 40), rows ? PGRES_TUPLES_OK : PGRES_COMMAND_OK);
  if (!r) return Unexpected<Error>{r.error()};
  return {};
}

Result<PgResult> PgConnection::query(std::string_view sql, const std::vector<PgParam>& params) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  PGresult* raw = PQexecParams(conn_, std::string(sql).c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, 0);
  const ExecStatusType status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  return check(raw, sql.substr(0, 40), status == PGRES_COMMAND_OK ? PGRES_COMMAND_OK : PGRES_TUPLES_OK);
}

Status PgConnection::copy_in(std::string_view copy_sql, std::string_view data) {
  auto started = check(PQexec(conn_, std::string(copy_sql).c_str()), copy_sql.substr(0, 40), PGRES_COPY_IN);
  if (!started) return Unexpected<Error>{started.error()};
  // Big buffers go in slices, so the server starts on the first rows while
  // we are still sending the rest.
  constexpr std::size_t kSlice = 256 * 1024;
  for (std::size_t at = 0; at < data.size(); at += kSlice) {
    const auto n = std::min(kSlice, data.size() - at);
    if (PQputCopyData(conn_, data.data() + at, static_cast<int>(n)) != 1) break;
  }
  PQputCopyEnd(conn_, nullptr);
  auto done = check(PQgetResult(conn_), copy_sql.substr(0, 40), PGRES_COMMAND_OK);
  while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
  if (!done) return Unexpected<Error>{done.error()};
  return {};
}

void PgConnection::interrupt() {
  std::lock_guard lock(socket_mutex_);
  if (socket_ >= 0) ::shutdown(socket_, SHUT_RDWR);
}

std::string redact_url(std::string_view url) {
  // user:password@ in the authority, and password=... in the query string.
  static const std::regex userinfo(R"(^([a-z]+://[^:/@?]*):[^@/?]*@)");
  static const std::regex query_password(R"(([?&]password=)[^&]*)");
  std::string out = std::regex_replace(std::string(url), userinfo, "$1:***@");
  return std::regex_replace(out, query_password, "$1***");
}

}  // namespace ivy::storage
