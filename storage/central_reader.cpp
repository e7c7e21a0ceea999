#include "storage/central_reader.hpp"

#include <algorithm>
#include <limits>

#include "storage/central_rows.hpp"
#include "storage/central_schema.hpp"
#include "storage/reader.hpp"

namespace ivy::storage {
namespace {

constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMessageWindowNs = 10'000'000'000;    // 10 s: about 10^5 messages on a busy bus
constexpr std::int64_t kEventWindowNs = 3600'000'000'000;    // 1 h

bool key_less(const CentralCursor::Key& a, const CentralCursor::Key& b) {
  return std::tie(a.wall_ns, a.file_id, a.id) < std::tie(b.wall_ns, b.file_id, b.id);
}

std::string kind_names(KindMask mask) {
  std::vector<std::string> names;
  for (unsigned k = 0; k < 10; ++k) {
    if (mask & kind_bit(static_cast<EntryKind>(k))) names.emplace_back(to_string(static_cast<EntryKind>(k)));
  }
  return pg_text_array(names);
}

struct Tagged {
  Entry entry;
  CentralCursor::Key key;
  bool message = false;
  bool late = false;
};

void take(StreamPage& page, bool message, bool late, std::vector<Tagged>& out) {
  for (std::size_t i = 0; i < page.entries.size(); ++i) {
    out.push_back(Tagged{std::move(page.entries[i]), page.keys[i], message, late});
  }
}

// Where a stream stands after this page: past every row read if all its
// matches were kept and it reached the end, else after the last one kept.
std::optional<CentralCursor::Key> next_key(const std::optional<CentralCursor::Key>& before, const StreamPage& page,
                                           const std::vector<Tagged>& kept, bool message, std::size_t page_matches) {
  std::optional<CentralCursor::Key> last;
  std::size_t kept_matches = 0;
  for (const Tagged& t : kept) {
    if (t.message != message || t.late) continue;
    last = t.key;
    ++kept_matches;
  }
  if (page.reached_end && kept_matches == page_matches && page.scanned) return page.scanned;
  return last ? last : before;
}

}  // namespace

struct CentralReader::Bounds {
  std::int64_t first_ns = 0;  // the oldest file's start
  std::int64_t last_ns = 0;   // the newest row (or gap) in the store
  std::map<std::int64_t, CentralCursor::Shipped> shipped;
};

bool is_central_location(std::string_view location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

Result<std::unique_ptr<RecordingReader>> open_recording_reader(const std::string& location,
                                                               const std::vector<std::string>& sites) {
  if (is_central_location(location)) {
    auto central = CentralReader::open(location, sites);
    if (!central) return Unexpected<Error>{central.error()};
    return std::unique_ptr<RecordingReader>(std::move(*central));
  }
  if (!sites.empty()) return fail("--site applies to a central store (postgresql://...), not to a local recording");
  auto local = Reader::open(location);
  if (!local) return Unexpected<Error>{local.error()};
  return std::unique_ptr<RecordingReader>(std::make_unique<Reader>(std::move(*local)));
}

CentralReader::CentralReader(std::unique_ptr<PgConnection> db, std::vector<std::string> sites)
    : db_(std::move(db)),
      sites_(std::move(sites)),
      sites_param_(sites_.empty() ? PgParam() : PgParam(pg_text_array(sites_))),
      message_window_ns_(kMessageWindowNs),
      event_window_ns_(kEventWindowNs) {}

Result<std::unique_ptr<CentralReader>> CentralReader::open(const std::string& url, std::vector<std::string> sites) {
  PgConnection::Options options;
  options.url = url;
  options.application_name = "ivyctl";
  auto db = PgConnection::connect(options);
  if (!db) return Unexpected<Error>{db.error()};
  auto version = central_schema_version(**db);
  if (!version) return Unexpected<Error>{version.error()};
  if (*version == 0) return fail("no central store there (no ivyd tables in this database)");
  if (*version > kCentralSchemaVersion) {
    return fail("the central store's schema is version " + std::to_string(*version) + ", newer than this ivyctl's " +
                std::to_string(kCentralSchemaVersion) + ": upgrade ivyctl");
  }
  return std::unique_ptr<CentralReader>(new CentralReader(std::move(*db), std::move(sites)));
}

Result<CentralReader::Bounds> CentralReader::bounds() const {
  auto files = db_->query(
      "SELECT f.id, f.shipped_message, f.shipped_event, f.complete, f.started_ns, coalesce(f.last_row_ns, 0), "
      "coalesce(u.from_ns, 0) FROM files f LEFT JOIN unshipped u ON u.file_id = f.id "
      "WHERE $1::text[] IS NULL OR f.site = ANY($1::text[])",
      {sites_param_});
  if (!files) return Unexpected<Error>{files.error()};
  Bounds b;
  b.first_ns = files->rows() ? kMax : 0;
  for (int i = 0; i < files->rows(); ++i) {
    b.shipped[files->int64(i, 0)] = {files->int64(i, 1), files->int64(i, 2), files->text(i, 3) == "t"};
    b.first_ns = std::min(b.first_ns, files->int64(i, 4));
    b.last_ns = std::max({b.last_ns, files->int64(i, 5), files->int64(i, 6)});
  }
  return b;
}

Result<QueryResult> CentralReader::query(const QueryFilter& filter) const {
  if (auto s = db_->exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !s) return Unexpected<Error>{s.error()};
  auto result = query_in_snapshot(filter);
  (void)db_->exec(result ? "COMMIT" : "ROLLBACK");
  return result;
}

Result<QueryResult> CentralReader::query_in_snapshot(const QueryFilter& filter) const {
  auto text = TextFilter::compile(filter.text_regex);
  if (!text) return Unexpected<Error>{text.error()};
  auto bounds = this->bounds();
  if (!bounds) return Unexpected<Error>{bounds.error()};
  CentralRows rows(*db_, *text);
  StreamScope scope{sites_param_, filter.agent.empty() ? PgParam() : PgParam(filter.agent), kind_names(filter.kinds),
                    filter.since_ns.value_or(kMin), std::min(filter.until_ns.value_or(kMax), bounds->last_ns + 1),
                    bounds->first_ns};
  const CentralCursor& at = filter.after.central;
  const bool messages = (filter.kinds & kind_bit(EntryKind::kMsg)) != 0;
  const bool events = (filter.kinds & ~kind_bit(EntryKind::kMsg)) != 0;
  StreamPage message_page, event_page, late_messages, late_events;
  if (messages) {
    auto page = rows.page(CentralStream::kMessages, scope, at.message, filter.limit, message_window_ns_);
    if (!page) return Unexpected<Error>{page.error()};
    message_page = std::move(*page);
  }
  if (events) {
    auto page = rows.page(CentralStream::kEvents, scope, at.event, filter.limit, event_window_ns_);
    if (!page) return Unexpected<Error>{page.error()};
    event_page = std::move(*page);
  }
  // Rows shipped since the last query, behind where each stream stands.
  if (at.shipped) {
    std::vector<CentralRows::Range> message_ranges, event_ranges;
    for (const auto& [file, now] : bounds->shipped) {
      const auto before = at.shipped->count(file) ? at.shipped->at(file) : CentralCursor::Shipped{};
      if (now.message > before.message) message_ranges.push_back({file, before.message, now.message, false});
      if (now.event > before.event || (now.complete && !before.complete)) {
        event_ranges.push_back({file, before.event, now.event, now.complete && !before.complete});
      }
    }
    if (messages && at.message) {
      auto late = rows.shipped_late(CentralStream::kMessages, scope, message_ranges, *at.message);
      if (!late) return Unexpected<Error>{late.error()};
      late_messages = std::move(*late);
    }
    if (events && at.event) {
      auto late = rows.shipped_late(CentralStream::kEvents, scope, event_ranges, *at.event);
      if (!late) return Unexpected<Error>{late.error()};
      late_events = std::move(*late);
    }
  }
  const std::size_t message_matches = message_page.entries.size();
  const std::size_t event_matches = event_page.entries.size();
  std::vector<Tagged> merged;
  take(late_messages, true, true, merged);
  take(late_events, false, true, merged);
  const std::size_t late_count = merged.size();
  take(message_page, true, false, merged);
  take(event_page, false, false, merged);
  std::sort(merged.begin() + static_cast<std::ptrdiff_t>(late_count), merged.end(),
            [](const Tagged& a, const Tagged& b) { return key_less(a.key, b.key); });
  std::sort(merged.begin(), merged.begin() + static_cast<std::ptrdiff_t>(late_count),
            [](const Tagged& a, const Tagged& b) { return key_less(a.key, b.key); });
  // Late rows are never cut: the next query would not see them again.
  if (filter.limit != 0 && merged.size() > late_count + filter.limit) merged.resize(late_count + filter.limit);

  QueryResult result;
  result.next.central.message = next_key(at.message, message_page, merged, true, message_matches);
  result.next.central.event = next_key(at.event, event_page, merged, false, event_matches);
  result.next.central.shipped = std::move(bounds->shipped);
  std::vector<CentralCursor::Key> keys;
  for (Tagged& t : merged) {
    keys.push_back(t.key);
    result.entries.push_back(std::move(t.entry));
  }
  if (auto s = rows.add_receivers(result.entries, keys); !s) return Unexpected<Error>{s.error()};
  return result;
}

}  // namespace ivy::storage
