#include "storage/file_query.hpp"

#include "storage/schema.hpp"

#include <algorithm>
#include <limits>

namespace ivy::storage {
namespace {

constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

// Agent columns start at `c`: id, peer_key, app_id, name, host, port, bus.
AgentInfo read_agent(const Statement& s, int c) {
  return AgentInfo{s.int64(c),   static_cast<std::uint64_t>(s.int64(c + 1)),
                   s.text(c + 2), s.text(c + 3), s.text(c + 4), s.int64(c + 5),
                   s.text(c + 6)};
}

// Columns 0-2 are id, wall_ns, mono_ns; the agent's start at `agent_column`.
Entry make_entry(EntryKind kind, const std::string& file, const Statement& s, int agent_column) {
  Entry e;
  e.kind = kind;
  e.file = file;
  e.id = s.int64(0);
  e.wall_ns = s.int64(1);
  e.mono_ns = s.int64(2);
  e.agent = read_agent(s, agent_column);
  return e;
}

std::size_t want(const QueryFilter& f) {
  return f.limit == 0 ? std::numeric_limits<std::size_t>::max() : f.limit;
}

}  // namespace

Result<FileQuery> FileQuery::open(const std::string& path) {
  auto db = Database::open(path, OpenMode::kReadOnly);
  if (!db) return Unexpected<Error>{db.error()};
  sqlite3_busy_timeout(db->get(), 1000);
  auto version = db->query_int("PRAGMA user_version");
  if (!version) return Unexpected<Error>{version.error()};
  if (*version > kSchemaVersion) return fail(path + ": written by a newer ivyd");
  FileQuery q(path, std::move(*db));
  // A file the writer has only just created has no tables yet: it is empty.
  q.empty_ = *version == 0;
  if (q.empty_) return q;
  auto stmt = q.db_.prepare(
      "SELECT a.name, a.app_id, r.regexp_id FROM receiver r "
      "JOIN agent a ON a.id = r.agent_id WHERE r.message_id = ?1");
  if (!stmt) return Unexpected<Error>{stmt.error()};
  q.receivers_ = std::move(*stmt);
  return q;
}

Result<std::int64_t> FileQuery::first_message_at(std::int64_t t) {
  auto probe = db_.prepare("SELECT id, wall_ns FROM message WHERE id >= ?1 ORDER BY id LIMIT 1");
  auto max = db_.query_int("SELECT coalesce(max(id), 0) FROM message");
  if (!probe) return Unexpected<Error>{probe.error()};
  if (!max) return Unexpected<Error>{max.error()};
  std::int64_t lo = 1, hi = *max + 1;  // lower bound over [1, max + 1)
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    probe->bind(1, mid);
    if (probe->step() != SQLITE_ROW) {
      probe->reset();
      return Unexpected<Error>{db_.error("message probe")};
    }
    const std::int64_t id = probe->int64(0);
    const std::int64_t wall = probe->int64(1);
    probe->reset();
    if (wall < t) lo = id + 1; else hi = mid;
  }
  return lo;
}

Status FileQuery::add_receivers(Entry& entry) {
  receivers_.bind(1, entry.id);
  int rc;
  while ((rc = receivers_.step()) == SQLITE_ROW) {
    entry.receivers.push_back(ReceiverInfo{receivers_.text(0), receivers_.text(1),
                                           static_cast<std::int32_t>(receivers_.int64(2))});
  }
  receivers_.reset();
  if (rc != SQLITE_DONE) return Unexpected<Error>{db_.error("receivers")};
  return {};
}

Status FileQuery::messages(const QueryFilter& f, const TextFilter& text, std::int64_t after,
                           std::vector<Entry>& out) {
  if (f.since_ns) {
    auto first = first_message_at(*f.since_ns);
    if (!first) return Unexpected<Error>{first.error()};
    after = std::max(after, *first - 1);
  }
  auto s = db_.prepare(
      "SELECT m.id, m.wall_ns, m.mono_ns, m.text, m.origin_bus, m.origin_agent, "
      "a.id, a.peer_key, a.app_id, a.name, a.host, a.port, a.bus "
      "FROM message m JOIN agent a ON a.id = m.sender_id "
      "WHERE m.id > ?1 AND m.wall_ns >= ?2 AND m.wall_ns < ?3 AND (?4 IS NULL OR a.name = ?4) "
      "ORDER BY m.id");
  if (!s) return Unexpected<Error>{s.error()};
  s->bind(1, after);
  s->bind(2, f.since_ns.value_or(kMin));
  s->bind(3, f.until_ns.value_or(kMax));
  if (!f.agent.empty()) s->bind(4, f.agent);
  int rc;
  while (out.size() < want(f) && (rc = s->step()) == SQLITE_ROW) {
    Entry e = make_entry(EntryKind::kMsg, path_, *s, 6);
    e.text = s->text(3);
    if (!text.matches(e.text)) continue;
    e.origin = Origin{s->text(4), s->text(5)};
    if (auto st = add_receivers(e); !st) return st;
    out.push_back(std::move(e));
  }
  return {};
}

Status FileQuery::events(const QueryFilter& f, const TextFilter& text, std::int64_t after,
                         std::vector<Entry>& out) {
  auto s = db_.prepare(
      "SELECT e.id, e.wall_ns, e.mono_ns, e.kind, e.code, e.text, e.end_ns, "
      "a.id, a.peer_key, a.app_id, a.name, a.host, a.port, a.bus "
      "FROM event e LEFT JOIN agent a ON a.id = e.agent_id "
      "WHERE e.id > ?1 AND e.wall_ns >= ?2 AND e.wall_ns < ?3 AND (?4 IS NULL OR a.name = ?4) "
      "ORDER BY e.id");
  if (!s) return Unexpected<Error>{s.error()};
  s->bind(1, after);
  s->bind(2, f.since_ns.value_or(kMin));
  s->bind(3, f.until_ns.value_or(kMax));
  if (!f.agent.empty()) s->bind(4, f.agent);
  while (out.size() < want(f) && s->step() == SQLITE_ROW) {
    const auto kind = parse_entry_kind(s->text(3));
    if (!kind || (f.kinds & kind_bit(*kind)) == 0) continue;
    Entry e = make_entry(*kind, path_, *s, 7);
    e.text = s->text(5);
    if (!text.matches(e.text)) continue;
    e.code = s->int64(4);
    e.end_ns = s->int64(6);
    out.push_back(std::move(e));
  }
  return {};
}

Result<std::vector<Entry>> FileQuery::entries(const QueryFilter& f, const TextFilter& text,
                                              std::int64_t after_message,
                                              std::int64_t after_event) {
  std::vector<Entry> msgs, evs;
  if (empty_) return msgs;
  if ((f.kinds & kind_bit(EntryKind::kMsg)) != 0) {
    if (auto s = messages(f, text, after_message, msgs); !s) return Unexpected<Error>{s.error()};
  }
  if ((f.kinds & ~kind_bit(EntryKind::kMsg)) != 0) {
    if (auto s = events(f, text, after_event, evs); !s) return Unexpected<Error>{s.error()};
  }
  std::vector<Entry> merged;
  merged.reserve(msgs.size() + evs.size());
  std::merge(std::make_move_iterator(msgs.begin()), std::make_move_iterator(msgs.end()),
             std::make_move_iterator(evs.begin()), std::make_move_iterator(evs.end()),
             std::back_inserter(merged),
             [](const Entry& a, const Entry& b) { return a.wall_ns < b.wall_ns; });
  if (merged.size() > want(f)) merged.resize(want(f));
  return merged;
}

}  // namespace ivy::storage
