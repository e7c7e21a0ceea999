#include "storage/summary.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <tuple>

#include "storage/sqlite_handle.hpp"

namespace ivy::storage {
namespace {

using AgentKey = std::tuple<std::string, std::string, std::string>;

struct Totals {
  std::map<AgentKey, std::int64_t> agents;
  std::map<std::string, std::int64_t> texts;
};

template <class Fn>
Status each_row(Database& db, const char* sql, Fn&& fn) {
  auto s = db.prepare(sql);
  if (!s) return Unexpected<Error>{s.error()};
  int rc;
  while ((rc = s->step()) == SQLITE_ROW) fn(*s);
  if (rc != SQLITE_DONE) return Unexpected<Error>{db.error(sql)};
  return {};
}

Status add_counts(Database& db, Summary& out) {
  return each_row(db,
      "SELECT (SELECT count(*) FROM message), (SELECT count(*) FROM receiver), "
      "(SELECT count(*) FROM event), (SELECT count(*) FROM event WHERE kind = 'gap'), "
      "(SELECT coalesce(sum(code), 0) FROM event WHERE kind = 'gap'), "
      "(SELECT wall_ns FROM message ORDER BY id LIMIT 1), "
      "(SELECT wall_ns FROM message ORDER BY id DESC LIMIT 1), "
      "(SELECT count(*) FROM event WHERE kind = 'dropped'), "
      "(SELECT coalesce(sum(code), 0) FROM event WHERE kind = 'dropped')",
      [&](const Statement& s) {
        out.messages += s.int64(0);
        out.receivers += s.int64(1);
        out.events += s.int64(2);
        out.gaps += s.int64(3);
        out.dropped += s.int64(4);
        if (!s.is_null(5) && (out.first_ns == 0 || s.int64(5) < out.first_ns)) {
          out.first_ns = s.int64(5);
        }
        out.last_ns = std::max(out.last_ns, s.int64(6));
        out.delivery_drops += s.int64(7);
        out.frames_dropped += s.int64(8);
      });
}

Status add_file(const std::string& path, Summary& out, Totals& totals) {
  auto db = Database::open(path, OpenMode::kReadOnly);
  if (!db) return Unexpected<Error>{db.error()};
  sqlite3_busy_timeout(db->get(), 1000);
  auto version = db->query_int("PRAGMA user_version");
  if (!version) return Unexpected<Error>{version.error()};
  if (*version == 0) return {};  // just created: no tables yet
  auto st = each_row(*db,
      "SELECT started_ns, coalesce(stopped_ns, 0), host, bus, ivyd_version, config_digest "
      "FROM recordings ORDER BY id",
      [&](const Statement& s) {
        out.runs.push_back(RecordingRun{path, s.int64(0), s.int64(1), s.text(2), s.text(3),
                                        s.text(4), s.text(5)});
      });
  if (st) st = add_counts(*db, out);
  if (st) st = each_row(*db,
      "SELECT a.name, a.app_id, a.host, count(*) FROM message m "
      "JOIN agent a ON a.id = m.sender_id GROUP BY 1, 2, 3",
      [&](const Statement& s) {
        totals.agents[{s.text(0), s.text(1), s.text(2)}] += s.int64(3);
      });
  if (st) st = each_row(*db,
      "SELECT text, count(*) FROM message GROUP BY text ORDER BY 2 DESC LIMIT 100",
      [&](const Statement& s) { totals.texts[s.text(0)] += s.int64(1); });
  return st;
}

void finish(Summary& out, const Totals& totals) {
  for (const auto& [key, n] : totals.agents) {
    out.per_agent.push_back(AgentCount{std::get<0>(key), std::get<1>(key), std::get<2>(key), n});
  }
  std::sort(out.per_agent.begin(), out.per_agent.end(),
            [](const auto& a, const auto& b) { return a.messages > b.messages; });
  for (const auto& [text, n] : totals.texts) out.busiest.push_back(TextCount{text, n});
  std::sort(out.busiest.begin(), out.busiest.end(),
            [](const auto& a, const auto& b) { return a.count > b.count; });
  if (out.busiest.size() > 10) out.busiest.resize(10);
  const double span_s = static_cast<double>(out.last_ns - out.first_ns) / 1e9;
  if (span_s > 0) out.messages_per_second = static_cast<double>(out.messages) / span_s;
}

}  // namespace

Result<Summary> summarize(const std::vector<std::string>& files) {
  Summary out;
  Totals totals;
  for (const auto& path : files) {
    std::error_code ec;
    for (const auto& p : {path, path + "-wal"}) {
      const auto size = std::filesystem::file_size(p, ec);
      if (!ec) out.bytes += size;
    }
    if (auto st = add_file(path, out, totals); !st) return Unexpected<Error>{st.error()};
    out.files.push_back(path);
  }
  finish(out, totals);
  return out;
}

}  // namespace ivy::storage
