#pragma once
// Shipper: store and forward, without the thread. The local recording set
// (file_set.hpp) is the journal; each step() sends the central store the
// next batch of what it does not have yet, oldest file first, in id order:
//
//   not connected     -> open the store (connect, migrate); on failure the
//                        step fails and the caller waits (backoff)
//   retired files     -> files retention is deleting, or that vanished, are
//                        recorded in the store as gaps (what it lacked of
//                        them) and counted
//   next batch        -> read it from the oldest file the store does not
//                        hold completely; ship it with its position
//   a finished file   -> (a newer one exists) its last batch marks it
//                        complete; it is never read again
//
// Recording never waits for any of this: the recorder writes the journal as
// before, and while the store is down the backlog just grows; it ships when
// the store is back. After any failure the shipper drops the connection and
// reads the positions from the store again, so what the store holds decides
// what is sent next: nothing is lost or sent twice (central_store.hpp).
//
// Thread: step() from one thread (CentralShipper's); on_retiring() and
// stats() from any.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "storage/central_store.hpp"
#include "storage/clock.hpp"
#include "storage/file_set.hpp"
#include "storage/journal_file.hpp"
#include "storage/recorder_options.hpp"
#include "storage/shipper_stats.hpp"

namespace ivy::storage {

struct ShipperOptions {
  std::string path;               // the recorder's configured path (its file set)
  std::string site;               // this ivyd's name in the store
  std::size_t batch_rows = 10000; // messages (and events) per transaction, at most
  LogFn log;                      // may be empty
  const Clock* clock = nullptr;   // null = SystemClock; must outlive the shipper
};

enum class ShipOutcome {
  kMore,    // shipped a full batch or finished a file: step again at once
  kIdle,    // everything recorded so far is in the store
  kFailed,  // the store is unreachable or refused: wait, then step again
};

class Shipper {
 public:
  Shipper(ShipperOptions options, CentralStore& store);

  ShipOutcome step();

  // Retention is about to delete `path`, a file of the set (called by the
  // recorder's writer thread just before). Reads the file's extent now; the
  // next step records what the store lacks of it as a gap. Never blocks on
  // the store.
  void on_retiring(const std::string& path);

  ShipperStats stats() const;

 private:
  struct Known {  // the store's record of one local file, as last read
    CentralFile central;
    bool fresh = false;  // read since the last (re)connection
  };
  struct Retired {
    std::string name;
    std::int64_t started_ns = 0;
    JournalExtent extent;
    bool by_retention = true;
  };

  bool connect();
  bool record_retired();
  bool record_one(const Retired& retired);
  void note_vanished(const std::vector<SetFile>& files);
  bool refresh(const std::vector<SetFile>& files);
  std::optional<JournalExtent> extent_of(const SetFile& file, bool finished);
  ShipOutcome ship_next(const std::vector<SetFile>& files);
  std::optional<ShipOutcome> ship_file(const SetFile& file, bool finished);
  JournalFile* journal_for(const std::string& path);
  void shipped(const std::string& name, const ShipBatch& batch);
  ShipOutcome on_store_error(const Error& error);
  void report(LogLevel level, const std::string& text);
  void update_stats(const std::function<void(ShipperStats&)>& change);
  std::int64_t now_ns() const;

  ShipperOptions options_;
  CentralStore& store_;
  const Clock* clock_;
  FileSet files_;
  bool connected_ = false;
  bool reached_once_ = false;
  std::set<std::string> complete_;              // file names the store holds completely
  std::map<std::string, Known> known_;          // by file name
  std::map<std::string, JournalExtent> finished_extents_;  // files no longer written: fixed
  std::map<std::string, SetFile> seen_;         // the last listing, to notice vanished files
  std::map<std::string, JournalExtent> seen_extents_;
  std::unique_ptr<JournalFile> journal_;        // the file being shipped
  std::string repeating_;                       // last problem logged (no log floods)

  mutable std::mutex mutex_;  // guards retired_ and stats_
  std::vector<Retired> retired_;
  ShipperStats stats_;
};

}  // namespace ivy::storage
