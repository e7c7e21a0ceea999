#include "storage/subscription_usage.hpp"

#include <limits>
#include <map>
#include <tuple>
#include <utility>

#include "storage/file_query.hpp"

namespace ivy::storage {
namespace {

// One row of `subscription` in one file.
struct Row {
  std::int64_t agent_row = 0;
  std::int64_t added_ns = 0;
  std::int64_t removed_ns = 0;  // 0: live when the file ended
  SubscriptionUse use;
};

using RowKey = std::pair<std::int64_t, std::int32_t>;  // (agent row, regexp id)
using UseKey =
    std::tuple<std::string, std::string, std::string, std::string, std::int32_t, std::string>;

template <class Fn>
Status each_row(Database& db, std::string_view sql, Fn&& fn) {
  auto s = db.prepare(sql);
  if (!s) return Unexpected<Error>{s.error()};
  int rc;
  while ((rc = s->step()) == SQLITE_ROW) {
    if (auto st = fn(*s); !st) return st;
  }
  if (rc != SQLITE_DONE) return Unexpected<Error>{db.error(sql)};
  return {};
}

Result<std::vector<Row>> read_rows(Database& db) {
  std::vector<Row> rows;
  auto st = each_row(
      db,
      "SELECT s.agent_id, s.regexp_id, s.pattern, s.added_ns, coalesce(s.removed_ns, 0), "
      "coalesce(a.name, ''), coalesce(a.app_id, ''), coalesce(a.host, ''), coalesce(a.bus, '') "
      "FROM subscription s JOIN agent a ON a.id = s.agent_id ORDER BY s.id",
      [&](const Statement& s) -> Status {
        Row r;
        r.agent_row = s.int64(0);
        r.added_ns = s.int64(3);
        r.removed_ns = s.int64(4);
        r.use = SubscriptionUse{
            s.text(8), s.text(5),  s.text(6), s.text(7), static_cast<std::int32_t>(s.int64(1)),
            s.text(2), r.added_ns, 0};
        rows.push_back(std::move(r));
        return {};
      });
  if (!st) return Unexpected<Error>{st.error()};
  return rows;
}

// Deliveries to one row of an id its agent bound more than once: the
// receiver rows of its lifetime's messages.
Result<std::int64_t> count_within_lifetime(FileQuery& file, const Row& row) {
  auto lo = file.first_message_at(row.added_ns);
  if (!lo) return Unexpected<Error>{lo.error()};
  std::int64_t hi = std::numeric_limits<std::int64_t>::max();
  if (row.removed_ns != 0) {
    auto end = file.first_message_at(row.removed_ns);
    if (!end) return Unexpected<Error>{end.error()};
    hi = *end;
  }
  auto s = file.db().prepare(
      "SELECT count(*) FROM receiver WHERE message_id >= ?1 AND message_id < ?2 AND agent_id = ?3 "
      "AND regexp_id = ?4");
  if (!s) return Unexpected<Error>{s.error()};
  s->bind(1, *lo);
  s->bind(2, hi);
  s->bind(3, row.agent_row);
  s->bind(4, std::int64_t{row.use.regexp_id});
  if (s->step() != SQLITE_ROW) return Unexpected<Error>{file.db().error("receiver count")};
  return s->int64(0);
}

Status count_deliveries(FileQuery& file, std::vector<Row>& rows) {
  std::map<RowKey, std::vector<Row*>> by_key;
  for (Row& r : rows) by_key[{r.agent_row, r.use.regexp_id}].push_back(&r);
  return each_row(file.db(),
                  "SELECT agent_id, regexp_id, count(*) FROM receiver GROUP BY agent_id, regexp_id",
                  [&](const Statement& s) -> Status {
                    auto it = by_key.find({s.int64(0), static_cast<std::int32_t>(s.int64(1))});
                    if (it == by_key.end()) return {};  // its bind was lost (a gap)
                    if (it->second.size() == 1) {
                      it->second[0]->use.deliveries = s.int64(2);
                      return {};
                    }
                    for (Row* r : it->second) {
                      auto n = count_within_lifetime(file, *r);
                      if (!n) return Unexpected<Error>{n.error()};
                      r->use.deliveries = *n;
                    }
                    return {};
                  });
}

}  // namespace

Result<std::vector<SubscriptionUse>> subscription_usage(const std::vector<std::string>& files) {
  std::vector<SubscriptionUse> out;
  std::map<UseKey, std::size_t> index;
  for (const std::string& path : files) {
    auto file = FileQuery::open(path);
    if (!file) return Unexpected<Error>{file.error()};
    if (file->empty()) continue;  // just created: no tables yet
    auto rows = read_rows(file->db());
    if (!rows) return Unexpected<Error>{rows.error()};
    if (auto st = count_deliveries(*file, *rows); !st) return Unexpected<Error>{st.error()};
    for (Row& r : *rows) {
      const SubscriptionUse& u = r.use;
      auto [it, fresh] = index.emplace(
          UseKey{u.bus, u.agent, u.app_id, u.host, u.regexp_id, u.pattern}, out.size());
      if (fresh) {
        out.push_back(std::move(r.use));
      } else {
        out[it->second].deliveries += u.deliveries;
      }
    }
  }
  return out;
}

}  // namespace ivy::storage
