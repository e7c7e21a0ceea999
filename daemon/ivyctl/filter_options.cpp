#include "daemon/ivyctl/filter_options.hpp"

#include <sys/stat.h>

#include <chrono>
#include <ctime>

#include "storage/pg_connection.hpp"
#include "storage/time_spec.hpp"

namespace po = boost::program_options;

namespace ivy::ctl {

std::string default_db_path() {
  struct stat st{};
  const char* packaged = "/var/lib/ivyd/ivyd.db";
  return ::stat(packaged, &st) == 0 ? packaged : "ivyd.db";
}

void add_location_options(po::options_description& desc, FilterOptions& o) {
  desc.add_options()
      ("db", po::value(&o.db)->value_name("FILE|URI"),
       "recording to read (default /var/lib/ivyd/ivyd.db if it exists, else ./ivyd.db), or a central store: "
       "postgresql://[user@]host[:port]/dbname (password from PGPASSWORD or ~/.pgpass)")
      ("site", po::value(&o.sites)->value_name("NAME")->composing(),
       "central store: only the recordings of site NAME (repeatable)");
}

Result<std::unique_ptr<storage::RecordingReader>> open_reader(const char* command, const FilterOptions& o,
                                                              bool& usage) {
  const std::string db = o.db.empty() ? default_db_path() : o.db;
  usage = !o.sites.empty() && !storage::is_central_location(db);
  auto reader = storage::open_recording_reader(db, o.sites);
  if (!reader) {
    return fail("ivyctl " + std::string(command) + ": " + storage::redact_url(db) + ": " + reader.error().message);
  }
  return reader;
}

void add_filter_options(po::options_description& desc, FilterOptions& o, bool kinds) {
  add_location_options(desc, o);
  desc.add_options()
      ("since", po::value(&o.since)->value_name("T"),
       "from time T: ISO 8601 (2026-11-25T10:00, ...Z, +02:00), relative (-10m, -2h, -1d), today, yesterday")
      ("until", po::value(&o.until)->value_name("T"), "up to time T (same forms as --since)")
      ("agent", po::value(&o.agent)->value_name("NAME"), "only entries about the agent NAME (exact)")
      ("match", po::value(&o.match)->value_name("REGEXP"), "only texts matching REGEXP (PCRE2, unanchored)")
      ("limit", po::value(&o.limit)->value_name("N"), "at most N entries (0: no limit)");
  if (kinds) {
    desc.add_options()("kind", po::value(&o.kind)->value_name("KINDS")->default_value("all"),
                       "msg, direct, join, leave, bind, unbind, die, error, gap, dropped, all, or a comma list");
  }
}

std::int64_t wall_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int32_t local_utc_offset_s() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  return static_cast<std::int32_t>(tm.tm_gmtoff);
}

Result<storage::QueryFilter> build_filter(const FilterOptions& o, std::int64_t now_ns) {
  storage::QueryFilter f;
  const storage::TimeContext context{now_ns, local_utc_offset_s()};
  if (!o.since.empty()) {
    auto t = storage::parse_time_spec(o.since, context);
    if (!t) return fail("--since: " + t.error().message);
    f.since_ns = *t;
  }
  if (!o.until.empty()) {
    auto t = storage::parse_time_spec(o.until, context);
    if (!t) return fail("--until: " + t.error().message);
    f.until_ns = *t;
  }
  const auto kinds = storage::parse_kinds(o.kind);
  if (!kinds) {
    return fail("--kind: unknown kind in '" + o.kind +
                "' (msg, direct, join, leave, bind, unbind, die, error, gap, dropped, all)");
  }
  f.kinds = *kinds;
  f.agent = o.agent;
  f.text_regex = o.match;
  f.limit = o.limit;
  return f;
}

}  // namespace ivy::ctl
