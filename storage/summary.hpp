#pragma once
// Summary: what `ivyctl info` shows about a recording (one file or a set).
// Scans whole tables, so it costs about a second per few million messages.

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace ivy::storage {

struct RecordingRun {  // one row of `recordings`
  std::string file;
  std::int64_t started_ns = 0;
  std::int64_t stopped_ns = 0;  // 0 = not stopped cleanly (crash, or still running)
  std::string host;
  std::string bus;
  std::string ivyd_version;
  std::string config_digest;
};

struct AgentCount {
  std::string name;
  std::string app_id;
  std::string host;
  std::int64_t messages = 0;
};

struct TextCount {
  std::string text;
  std::int64_t count = 0;
};

// One site of a central store.
struct SiteSummary {
  std::string site;
  std::int64_t files = 0;
  std::int64_t first_started_ns = 0;  // its oldest file's start
  std::int64_t last_row_ns = 0;       // the newest row shipped (0: none)
  std::int64_t shipped_at_ns = 0;     // its last shipment
};

struct Summary {
  std::vector<SiteSummary> sites;  // central store only
  std::int64_t unshipped_gaps = 0;  // central store: local files deleted before they were shipped
  std::int64_t unshipped_rows = 0;  // ... and the rows they took with them
  std::vector<std::string> files;
  std::uint64_t bytes = 0;  // databases + WAL files
  std::vector<RecordingRun> runs;
  std::int64_t first_ns = 0;  // first message (0 = none)
  std::int64_t last_ns = 0;   // last message
  std::int64_t messages = 0;
  std::int64_t receivers = 0;
  std::int64_t events = 0;
  std::int64_t gaps = 0;
  std::int64_t dropped = 0;   // sum over gap events
  std::int64_t delivery_drops = 0;  // `dropped` events: spans of frames a peer missed
  std::int64_t frames_dropped = 0;  // sum over them
  double messages_per_second = 0;  // messages / (last - first)
  std::vector<AgentCount> per_agent;  // most messages first
  std::vector<TextCount> busiest;     // 10 most repeated texts (per set: the
                                      // top 100 of each file, merged)
};

Result<Summary> summarize(const std::vector<std::string>& files);

}  // namespace ivy::storage
