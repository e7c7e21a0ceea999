// CentralReader::summary (central_reader.hpp): `ivyctl info` on a central
// store. Like summarize() for local files it scans the big tables, so it
// costs about a second per few million messages.
#include "storage/central_reader.hpp"

#include <algorithm>

namespace ivy::storage {
namespace {

// Every query below keeps to the reader's sites: $1 is their text[] (NULL: all).
constexpr const char* kSites = "($1::text[] IS NULL OR f.site = ANY($1::text[]))";

std::string s(std::string_view v) { return std::string(v); }

}  // namespace

Result<Summary> CentralReader::summary() const {
  if (auto st = db_->exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !st) return Unexpected<Error>{st.error()};
  Summary out;
  const Status status = summarize(out);
  (void)db_->exec(status ? "COMMIT" : "ROLLBACK");
  if (!status) return Unexpected<Error>{status.error()};
  return out;
}

Status CentralReader::summarize(Summary& out) const {
  const std::vector<PgParam> sites{sites_param_};
  auto run = [&](const std::string& sql, auto&& row) -> Status {
    auto r = db_->query(sql, sites);
    if (!r) return Unexpected<Error>{r.error()};
    for (int i = 0; i < r->rows(); ++i) row(*r, i);
    return {};
  };
  const std::string where = std::string(" WHERE ") + kSites;
  Status st = run("SELECT f.site, count(*), min(f.started_ns), coalesce(max(f.last_row_ns), 0), "
                  "coalesce(max(f.shipped_at_ns), 0) FROM files f" + where + " GROUP BY f.site ORDER BY f.site",
                  [&](const PgResult& r, int i) {
                    out.sites.push_back(SiteSummary{s(r.text(i, 0)), r.int64(i, 1), r.int64(i, 2), r.int64(i, 3),
                                                    r.int64(i, 4)});
                  });
  if (st) {
    auto size = db_->query("SELECT pg_database_size(current_database())");  // the whole store, every site
    if (!size) return Unexpected<Error>{size.error()};
    out.bytes = static_cast<std::uint64_t>(size->int64(0, 0));
  }
  if (st) st = run("SELECT f.site || '/' || f.name, r.started_ns, coalesce(r.stopped_ns, 0), r.host, r.bus, "
                   "r.ivyd_version, r.config_digest FROM recordings r JOIN files f ON f.id = r.file_id" + where +
                   " ORDER BY r.started_ns, f.id, r.id",
                   [&](const PgResult& r, int i) {
                     out.runs.push_back(RecordingRun{s(r.text(i, 0)), r.int64(i, 1), r.int64(i, 2), s(r.text(i, 3)),
                                                     s(r.text(i, 4)), s(r.text(i, 5)), s(r.text(i, 6))});
                   });
  if (st) st = run("SELECT count(*), coalesce(min(m.wall_ns), 0), coalesce(max(m.wall_ns), 0) FROM messages m "
                   "JOIN files f ON f.id = m.file_id" + where,
                   [&](const PgResult& r, int i) {
                     out.messages = r.int64(i, 0);
                     out.first_ns = r.int64(i, 1);
                     out.last_ns = r.int64(i, 2);
                   });
  if (st) st = run("SELECT count(*) FROM receivers x JOIN files f ON f.id = x.file_id" + where,
                   [&](const PgResult& r, int i) { out.receivers = r.int64(i, 0); });
  if (st) st = run("SELECT count(*), count(*) FILTER (WHERE e.kind = 'gap'), "
                   "coalesce(sum(e.code) FILTER (WHERE e.kind = 'gap'), 0), count(*) FILTER (WHERE e.kind = 'dropped'), "
                   "coalesce(sum(e.code) FILTER (WHERE e.kind = 'dropped'), 0) FROM events e "
                   "JOIN files f ON f.id = e.file_id" + where,
                   [&](const PgResult& r, int i) {
                     out.events = r.int64(i, 0);
                     out.gaps = r.int64(i, 1);
                     out.dropped = r.int64(i, 2);
                     out.delivery_drops = r.int64(i, 3);
                     out.frames_dropped = r.int64(i, 4);
                   });
  if (st) st = run("SELECT count(*), coalesce(sum(u.messages + u.events), 0) FROM unshipped u "
                   "JOIN files f ON f.id = u.file_id" + where,
                   [&](const PgResult& r, int i) {
                     out.unshipped_gaps = r.int64(i, 0);
                     out.unshipped_rows = r.int64(i, 1);
                   });
  if (st) st = run("SELECT coalesce(a.name, ''), coalesce(a.app_id, ''), coalesce(a.host, ''), count(*) "
                   "FROM messages m JOIN files f ON f.id = m.file_id "
                   "LEFT JOIN agents a ON a.file_id = m.file_id AND a.id = m.sender_id" + where +
                   " GROUP BY 1, 2, 3 ORDER BY 4 DESC",
                   [&](const PgResult& r, int i) {
                     out.per_agent.push_back(AgentCount{s(r.text(i, 0)), s(r.text(i, 1)), s(r.text(i, 2)),
                                                        r.int64(i, 3)});
                   });
  if (st) st = run("SELECT m.text, count(*) FROM messages m JOIN files f ON f.id = m.file_id" + where +
                   " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10",
                   [&](const PgResult& r, int i) { out.busiest.push_back(TextCount{s(r.text(i, 0)), r.int64(i, 1)}); });
  if (!st) return st;
  const double span_s = static_cast<double>(out.last_ns - out.first_ns) / 1e9;
  if (span_s > 0) out.messages_per_second = static_cast<double>(out.messages) / span_s;
  return {};
}

}  // namespace ivy::storage
