#pragma once
// How `ivyctl query` and `ivyctl export` print recorded entries: readable
// text (like ivyprobe, with timestamps), JSON lines (one object per line,
// for jq) and CSV (RFC 4180, one header line, for pandas). Pure.
//
// Entries read from a central store carry their site: text shows it in
// brackets after the time, JSON as "site", CSV as a last column `site` (in
// the header too: csv_header(true)). Entries of a local recording print
// exactly as before.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "storage/query.hpp"

namespace ivy::ctl {

enum class OutputFormat { kText, kJson, kCsv };
std::optional<OutputFormat> parse_output_format(std::string_view name);

// "2026-11-25 22:34:56.957573" in UTC (kUtc) or the local zone.
enum class TimeZone { kLocal, kUtc };
std::string format_time(std::int64_t wall_ns, TimeZone zone);

std::string format_text(const storage::Entry& entry, TimeZone zone);
std::string format_json(const storage::Entry& entry);
// `with_site`: the output of a central store (a `site` column at the end).
std::string csv_header(bool with_site = false);
std::string format_csv(const storage::Entry& entry, bool with_site = false);

// One CSV field, quoted when it needs to be.
std::string csv_field(std::string_view value);

}  // namespace ivy::ctl
