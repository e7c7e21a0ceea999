// CentralReader::subscriptions and message_counts (central_reader.hpp): what
// `ivyctl lint --db` and `ivyctl info`'s sparkline read, on a central store.
// Each is one statement, so one snapshot.
#include <map>
#include <tuple>

#include "storage/central_reader.hpp"

namespace ivy::storage {
namespace {

// $1 is the reader's sites as text[] (NULL: all).
constexpr const char* kSites = "($1::text[] IS NULL OR f.site = ANY($1::text[]))";

// Deliveries as the local reader counts them (subscription_usage.hpp): the
// receiver rows of the subscription's (agent, regexp id); when that agent
// bound the id more than once in the file, only those of the messages of
// this binding's lifetime.
const std::string kSubscriptionsSql = std::string(R"sql(
WITH subs AS (
  SELECT s.*, count(*) OVER (PARTITION BY s.file_id, s.agent_id, s.regexp_id) AS bindings
  FROM subscriptions s JOIN files f ON f.id = s.file_id WHERE )sql") +
                                      kSites + R"sql(),
counts AS (
  SELECT x.file_id, x.agent_id, x.regexp_id, count(*) AS n
  FROM receivers x JOIN files f ON f.id = x.file_id WHERE )sql" +
                                      kSites + R"sql(
  GROUP BY 1, 2, 3)
SELECT f.site || '/' || coalesce(a.bus, ''), coalesce(a.name, ''), coalesce(a.app_id, ''),
       coalesce(a.host, ''), s.regexp_id, s.pattern, s.added_ns,
       CASE WHEN s.bindings = 1 THEN coalesce(c.n, 0) ELSE (
         SELECT count(*) FROM receivers x
         JOIN messages m ON m.file_id = x.file_id AND m.id = x.message_id
         WHERE x.file_id = s.file_id AND x.agent_id = s.agent_id AND x.regexp_id = s.regexp_id
           AND m.wall_ns >= s.added_ns AND (s.removed_ns IS NULL OR m.wall_ns < s.removed_ns)) END
FROM subs s
JOIN files f ON f.id = s.file_id
JOIN agents a ON a.file_id = s.file_id AND a.id = s.agent_id
LEFT JOIN counts c ON c.file_id = s.file_id AND c.agent_id = s.agent_id AND c.regexp_id = s.regexp_id
ORDER BY f.started_ns, f.id, s.id)sql";

using UseKey =
    std::tuple<std::string, std::string, std::string, std::string, std::int32_t, std::string>;

std::string text(const PgResult& r, int row, int column) {
  return std::string(r.text(row, column));
}

}  // namespace

Result<std::vector<SubscriptionUse>> CentralReader::subscriptions() const {
  auto r = db_->query(kSubscriptionsSql, {sites_param_});
  if (!r) return Unexpected<Error>{r.error()};
  // One subscription seen in several files (seeded again at each rotation)
  // is one SubscriptionUse, as in a local recording set.
  std::vector<SubscriptionUse> out;
  std::map<UseKey, std::size_t> index;
  for (int i = 0; i < r->rows(); ++i) {
    SubscriptionUse u{text(*r, i, 0),
                      text(*r, i, 1),
                      text(*r, i, 2),
                      text(*r, i, 3),
                      static_cast<std::int32_t>(r->int64(i, 4)),
                      text(*r, i, 5),
                      r->int64(i, 6),
                      r->int64(i, 7)};
    auto [it, fresh] =
        index.emplace(UseKey{u.bus, u.agent, u.app_id, u.host, u.regexp_id, u.pattern}, out.size());
    if (fresh) {
      out.push_back(std::move(u));
    } else {
      out[it->second].deliveries += u.deliveries;
    }
  }
  return out;
}

Result<std::vector<std::int64_t>> CentralReader::message_counts(std::int64_t from_ns,
                                                                std::int64_t to_ns,
                                                                std::size_t buckets) const {
  std::vector<std::int64_t> counts(buckets, 0);
  if (buckets == 0 || to_ns <= from_ns) return counts;
  // numeric: (wall_ns - from) * buckets can pass 2^63. The time range uses
  // the BRIN index on wall_ns.
  const std::string sql = std::string(
                              "SELECT floor((m.wall_ns - $2::bigint)::numeric * $4::bigint / "
                              "($3::bigint - $2::bigint))::bigint, count(*) FROM messages m "
                              "JOIN files f ON f.id = m.file_id WHERE m.wall_ns >= $2::bigint AND "
                              "m.wall_ns < $3::bigint AND ") +
                          kSites + " GROUP BY 1";
  auto r = db_->query(
      sql, {sites_param_, std::to_string(from_ns), std::to_string(to_ns), std::to_string(buckets)});
  if (!r) return Unexpected<Error>{r.error()};
  for (int i = 0; i < r->rows(); ++i) {
    const auto b = static_cast<std::size_t>(r->int64(i, 0));
    if (b < buckets) counts[b] += r->int64(i, 1);
  }
  return counts;
}

}  // namespace ivy::storage
