#include "storage/central_rows.hpp"

#include <algorithm>
#include <limits>

namespace ivy::storage {
namespace {

constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

std::int64_t saturating_add(std::int64_t a, std::int64_t b) { return a > kMax - b ? kMax : a + b; }

// Both streams select the same columns, so one reader fills an Entry:
//   0 file_id, 1 id, 2 wall_ns, 3 mono_ns, 4 kind ('msg' for messages),
//   5 code, 6 text, 7 end_ns, 8 origin_bus, 9 origin_agent,
//   10 agent id, 11 peer_key, 12 app_id, 13 name, 14 host, 15 port, 16 bus,
//   17 site, 18 file name
constexpr const char* kMessageSelect =
    "SELECT m.file_id, m.id, m.wall_ns, m.mono_ns, 'msg', 0, m.text, NULL::bigint, m.origin_bus, m.origin_agent, "
    "a.id, a.peer_key, a.app_id, a.name, a.host, a.port, a.bus, f.site, f.name "
    "FROM messages m JOIN files f ON f.id = m.file_id "
    "LEFT JOIN agents a ON a.file_id = m.file_id AND a.id = m.sender_id ";
constexpr const char* kMessageScope =
    "m.wall_ns >= $1 AND m.wall_ns < $2 AND ($3::text[] IS NULL OR f.site = ANY($3::text[])) "
    "AND ($4::text IS NULL OR a.name = $4::text) AND 'msg' = ANY($5::text[]) ";
constexpr const char* kEventSelect =
    "SELECT e.file_id, e.id, e.wall_ns, e.mono_ns, e.kind, e.code, e.text, e.end_ns, NULL, NULL, "
    "a.id, a.peer_key, a.app_id, a.name, a.host, a.port, a.bus, f.site, f.name "
    "FROM events e JOIN files f ON f.id = e.file_id "
    "LEFT JOIN agents a ON a.file_id = e.file_id AND a.id = e.agent_id ";
constexpr const char* kEventScope =
    "e.wall_ns >= $1 AND e.wall_ns < $2 AND ($3::text[] IS NULL OR f.site = ANY($3::text[])) "
    "AND ($4::text IS NULL OR a.name = $4::text) AND e.kind = ANY($5::text[]) ";
// A file retention deleted before it was shipped: a gap at the newest row
// shipped (id 0: before any event of the file).
constexpr const char* kUnshippedSelect =
    "SELECT u.file_id, 0::bigint, u.from_ns, 0::bigint, 'gap', u.messages + u.events, 'not shipped', u.to_ns, "
    "NULL, NULL, NULL::bigint, NULL::bigint, NULL, NULL, NULL, NULL::integer, NULL, f.site, f.name "
    "FROM unshipped u JOIN files f ON f.id = u.file_id ";
constexpr const char* kUnshippedScope =
    "u.from_ns >= $1 AND u.from_ns < $2 AND ($3::text[] IS NULL OR f.site = ANY($3::text[])) "
    "AND $4::text IS NULL AND 'gap' = ANY($5::text[]) ";

std::string key_after(const char* table, int first) {
  const std::string t(table);
  return "(" + t + ".wall_ns, " + t + ".file_id, " + t + ".id) > ($" + std::to_string(first) + ", $" +
         std::to_string(first + 1) + ", $" + std::to_string(first + 2) + ") ";
}

std::vector<PgParam> scope_params(const StreamScope& scope, std::int64_t lo, std::int64_t hi) {
  return {std::to_string(lo), std::to_string(hi), scope.sites, scope.agent, scope.kinds};
}

void add_key(std::vector<PgParam>& params, const CentralCursor::Key& key) {
  params.push_back(std::to_string(key.wall_ns));
  params.push_back(std::to_string(key.file_id));
  params.push_back(std::to_string(key.id));
}

// The SQL of one window of a stream after a key ($6-$8), at most $9 rows.
std::string window_sql(CentralStream stream) {
  if (stream == CentralStream::kMessages) {
    return std::string(kMessageSelect) + "WHERE " + kMessageScope + "AND " + key_after("m", 6) +
           "ORDER BY m.wall_ns, m.file_id, m.id LIMIT $9";
  }
  const std::string unshipped_key = "(u.from_ns, u.file_id, 0::bigint) > ($6, $7, $8) ";
  return "(" + std::string(kEventSelect) + "WHERE " + kEventScope + "AND " + key_after("e", 6) + ") UNION ALL (" +
         kUnshippedSelect + "WHERE " + kUnshippedScope + "AND " + unshipped_key + ") ORDER BY 3, 1, 2 LIMIT $9";
}

Entry make_entry(const PgResult& r, int row) {
  Entry e;
  const auto kind = parse_entry_kind(r.text(row, 4));
  e.kind = kind.value_or(EntryKind::kError);
  e.id = r.int64(row, 1);
  e.wall_ns = r.int64(row, 2);
  e.mono_ns = r.int64(row, 3);
  e.code = r.int64(row, 5);
  e.text = std::string(r.text(row, 6));
  e.end_ns = r.int64(row, 7);
  e.origin = Origin{std::string(r.text(row, 8)), std::string(r.text(row, 9))};
  e.agent = AgentInfo{r.int64(row, 10), static_cast<std::uint64_t>(r.int64(row, 11)), std::string(r.text(row, 12)),
                      std::string(r.text(row, 13)), std::string(r.text(row, 14)), r.int64(row, 15),
                      std::string(r.text(row, 16))};
  e.site = std::string(r.text(row, 17));
  e.file = std::string(r.text(row, 18));
  return e;
}

}  // namespace

std::string pg_text_array(const std::vector<std::string>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

// Appends the matching rows of one query to `out`; returns how many rows it read.
Result<std::size_t> CentralRows::read(const std::string& sql, const std::vector<PgParam>& params, CentralStream,
                                      StreamPage& out, std::size_t want) {
  auto rows = db_.query(sql, params);
  if (!rows) return Unexpected<Error>{rows.error()};
  for (int i = 0; i < rows->rows(); ++i) {
    const CentralCursor::Key key{rows->int64(i, 2), rows->int64(i, 0), rows->int64(i, 1)};
    out.scanned = key;
    Entry e = make_entry(*rows, i);
    if (!text_.matches(e.text)) continue;
    out.entries.push_back(std::move(e));
    out.keys.push_back(key);
    if (want != 0 && out.entries.size() >= want) break;
  }
  return static_cast<std::size_t>(rows->rows());
}

Result<StreamPage> CentralRows::page(CentralStream stream, const StreamScope& scope,
                                     std::optional<CentralCursor::Key> after, std::size_t limit,
                                     std::int64_t& window_ns) {
  constexpr std::size_t kChunk = 2000;       // rows read per query at least (the text filter skips some)
  constexpr std::int64_t kMinWindow = 1'000'000;  // 1 ms
  StreamPage out;
  // The first window of a read from the start has no lower time bound, so
  // rows older than the oldest file's start (a clock step) are not skipped.
  std::int64_t lo = std::max(scope.since_ns, after ? after->wall_ns : kMin);
  std::int64_t base = lo == kMin ? scope.first_ns : lo;
  bool first_window = true;
  while (lo < scope.until_ns) {
    const std::int64_t hi = std::min(scope.until_ns, saturating_add(base, window_ns));
    const std::size_t want = limit == 0 ? 0 : limit - out.entries.size();
    const std::size_t chunk = std::max(want, kChunk);
    std::vector<PgParam> params = scope_params(scope, lo, hi);
    add_key(params, after.value_or(CentralCursor::Key{kMin, 0, 0}));  // file ids start at 1
    params.push_back(std::to_string(chunk));
    auto read = this->read(window_sql(stream), params, stream, out, want);
    if (!read) return Unexpected<Error>{read.error()};
    if (out.scanned) after = out.scanned;
    if (limit != 0 && out.entries.size() >= limit) {
      // Full within the first window: it was wider than needed.
      if (first_window) window_ns = std::max(kMinWindow, window_ns / 2);
      return out;
    }
    if (*read >= chunk) continue;  // more rows in this window
    lo = base = hi;
    first_window = false;
    window_ns = std::min<std::int64_t>(window_ns, kMax / 8) * 4;
  }
  out.reached_end = true;
  return out;
}

Result<StreamPage> CentralRows::shipped_late(CentralStream stream, const StreamScope& scope,
                                             const std::vector<Range>& ranges, const CentralCursor::Key& at_or_before) {
  StreamPage out;
  if (ranges.empty()) return out;
  std::vector<std::string> files, afters, uptos, completed;
  for (const Range& r : ranges) {
    files.push_back(std::to_string(r.file_id));
    afters.push_back(std::to_string(r.after));
    uptos.push_back(std::to_string(r.upto));
    if (r.newly_complete) completed.push_back(std::to_string(r.file_id));
  }
  const auto array = [](const std::vector<std::string>& v) {
    std::string s = "{";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + v[i];
    return s + "}";
  };
  std::vector<PgParam> params = scope_params(scope, scope.since_ns, scope.until_ns);
  add_key(params, at_or_before);
  params.push_back(array(files));
  params.push_back(array(afters));
  params.push_back(array(uptos));
  const char* table = stream == CentralStream::kMessages ? "m" : "e";
  const std::string ranges_join = std::string("JOIN unnest($9::int[], $10::bigint[], $11::bigint[]) AS k(f, a, u) ON ") +
                                  table + ".file_id = k.f AND " + table + ".id > k.a AND " + table + ".id <= k.u ";
  const std::string not_after = std::string("AND (") + table + ".wall_ns, " + table + ".file_id, " + table +
                                ".id) <= ($6, $7, $8) ";
  std::string sql;
  if (stream == CentralStream::kMessages) {
    sql = std::string(kMessageSelect) + ranges_join + "WHERE " + kMessageScope + not_after + "ORDER BY 3, 1, 2";
  } else {
    params.push_back(array(completed));
    sql = "(" + std::string(kEventSelect) + ranges_join + "WHERE " + kEventScope + not_after + ") UNION ALL (" +
          kUnshippedSelect + "WHERE " + kUnshippedScope + "AND u.file_id = ANY($12::int[]) " +
          "AND (u.from_ns, u.file_id, 0::bigint) <= ($6, $7, $8)) ORDER BY 3, 1, 2";
  }
  auto read = this->read(sql, params, stream, out, 0);
  if (!read) return Unexpected<Error>{read.error()};
  return out;
}

Status CentralRows::add_receivers(std::vector<Entry>& entries, const std::vector<CentralCursor::Key>& keys) {
  std::string files = "{", ids = "{";
  bool any = false;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].kind != EntryKind::kMsg) continue;
    files += (any ? "," : "") + std::to_string(keys[i].file_id);
    ids += (any ? "," : "") + std::to_string(keys[i].id);
    any = true;
  }
  if (!any) return {};
  auto rows = db_.query(
      "SELECT r.file_id, r.message_id, a.name, a.app_id, r.regexp_id FROM receivers r "
      "JOIN unnest($1::int[], $2::bigint[]) AS k(f, m) ON r.file_id = k.f AND r.message_id = k.m "
      "LEFT JOIN agents a ON a.file_id = r.file_id AND a.id = r.agent_id ORDER BY 1, 2, a.id, 5",
      {files + "}", ids + "}"});
  if (!rows) return Unexpected<Error>{rows.error()};
  std::map<std::pair<std::int64_t, std::int64_t>, std::vector<ReceiverInfo>> by_message;
  for (int i = 0; i < rows->rows(); ++i) {
    by_message[{rows->int64(i, 0), rows->int64(i, 1)}].push_back(
        ReceiverInfo{std::string(rows->text(i, 2)), std::string(rows->text(i, 3)),
                     static_cast<std::int32_t>(rows->int64(i, 4))});
  }
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].kind != EntryKind::kMsg) continue;
    auto it = by_message.find({keys[i].file_id, keys[i].id});
    if (it != by_message.end()) entries[i].receivers = std::move(it->second);
  }
  return {};
}

}  // namespace ivy::storage
