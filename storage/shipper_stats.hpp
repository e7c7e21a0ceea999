#pragma once
// ShipperStats: the shipper's counters, a plain value (for the status
// socket, and for metrics exporters). "Rows" are messages + events, what
// `ivyctl query` lists; receivers and the small tables travel with them.

#include <cstdint>
#include <string>

namespace ivy::storage {

struct ShipperStats {
  std::string site;
  std::string target;               // the store's URL, password hidden
  bool connected = false;           // the store answered the last call
  std::uint64_t shipped_rows = 0;   // stored centrally by this run of ivyd
  std::uint64_t shipped_messages = 0;
  std::uint64_t batches = 0;        // transactions committed
  std::int64_t backlog_rows = -1;   // recorded locally, not yet in the store;
                                    // -1 until the store was reached once
  std::uint64_t backlog_files = 0;  // local files not yet shipped completely
  std::int64_t last_row_ns = 0;     // wall time of the newest row shipped (0: none yet)
  std::int64_t last_ship_ns = 0;    // wall time of the last commit (0: none yet)
  std::uint64_t gaps = 0;           // local files deleted before they were shipped completely
  std::uint64_t lost_rows = 0;      // the rows those files took with them
  std::uint64_t repaired_rows = 0;  // rows whose text was not valid UTF-8 (stored repaired)
  std::uint64_t errors = 0;         // failed attempts (each retry counts; the log says it once)
  std::string last_error;           // most recent failure ("" = none); kept after recovery
  std::int64_t last_error_ns = 0;   // when (wall clock)
};

}  // namespace ivy::storage
