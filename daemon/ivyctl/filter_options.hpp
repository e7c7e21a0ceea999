#pragma once
// The options `ivyctl query`, `export`, `info` and `replay` share: which
// recording (--db: a file or a central store's postgresql:// URI, and --site
// for the latter) and which entries (--since, --until, --agent, --match,
// --kind, --limit), turned into a storage::QueryFilter.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "core/result.hpp"
#include "storage/query.hpp"
#include "storage/recording_reader.hpp"

namespace ivy::ctl {

struct FilterOptions {
  std::string db;
  std::vector<std::string> sites;  // --site, repeatable (central store only)
  std::string since;
  std::string until;
  std::string agent;
  std::string match;
  std::string kind = "all";
  std::size_t limit = 0;
};

// The recording ivyctl reads when --db is not given: the packaged daemon's
// /var/lib/ivyd/ivyd.db if it exists, else ./ivyd.db (what `ivyd` run by
// hand writes).
std::string default_db_path();

// Adds the options to `desc`, storing into `o`. `kinds`: also add --kind.
void add_filter_options(boost::program_options::options_description& desc, FilterOptions& o, bool kinds);
// Adds --db and --site only (ivyctl info, replay).
void add_location_options(boost::program_options::options_description& desc, FilterOptions& o);

// Opens what --db names (the default recording if empty), for --site. Errors
// say which command and which recording: "ivyctl query: <db>: <why>" (the
// password of a URI hidden). `usage`: set when the error is bad usage (exit
// 2), e.g. --site with a local file.
Result<std::unique_ptr<storage::RecordingReader>> open_reader(const char* command, const FilterOptions& o,
                                                              bool& usage);

// Builds the filter; the times are parsed relative to `now_ns` in the local
// zone. Errors name the option ("--since: ...").
Result<storage::QueryFilter> build_filter(const FilterOptions& o, std::int64_t now_ns);

// Wall-clock now in ns, and the local zone's UTC offset now.
std::int64_t wall_now_ns();
std::int32_t local_utc_offset_s();

}  // namespace ivy::ctl
