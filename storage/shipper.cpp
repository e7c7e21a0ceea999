#include "storage/shipper.hpp"

#include <algorithm>
#include <filesystem>

namespace ivy::storage {
namespace {

std::string file_name(const std::string& path) { return std::filesystem::path(path).filename().string(); }

}  // namespace

Shipper::Shipper(ShipperOptions options, CentralStore& store)
    : options_(std::move(options)),
      store_(store),
      clock_(options_.clock ? options_.clock : &SystemClock::instance()),
      files_(options_.path) {
  stats_.site = options_.site;
}

std::int64_t Shipper::now_ns() const { return clock_->now().wall_ns; }

void Shipper::update_stats(const std::function<void(ShipperStats&)>& change) {
  std::lock_guard lock(mutex_);
  change(stats_);
}

ShipperStats Shipper::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

// Problems are logged once until something works again (no log flood while
// the store is down), and kept as last_error.
void Shipper::report(LogLevel level, const std::string& text) {
  if (level >= LogLevel::kError) {
    update_stats([](ShipperStats& s) { ++s.errors; });
    if (text == repeating_) return;
    repeating_ = text;
    const std::int64_t now = now_ns();
    update_stats([&](ShipperStats& s) {
      s.last_error = text;
      s.last_error_ns = now;
    });
  }
  if (options_.log) options_.log(level, text);
}

ShipOutcome Shipper::step() {
  const auto listing = files_.files();
  note_vanished(listing);
  if (!connected_ && !connect()) {
    (void)refresh(listing);  // the backlog as last known, growing
    return ShipOutcome::kFailed;
  }
  if (!record_retired() || !refresh(listing)) return ShipOutcome::kFailed;
  return ship_next(listing);
}

bool Shipper::connect() {
  if (auto s = store_.open(); !s) {
    on_store_error(s.error());
    return false;
  }
  auto complete = store_.complete_files(options_.site);
  if (!complete) {
    on_store_error(complete.error());
    return false;
  }
  complete_ = std::move(*complete);
  connected_ = true;
  repeating_.clear();
  if (options_.log) {
    options_.log(LogLevel::kInfo, reached_once_ ? "central store reachable again; shipping the backlog"
                                                : "central store reached; shipping what it lacks");
  }
  reached_once_ = true;
  update_stats([](ShipperStats& s) { s.connected = true; });
  return true;
}

ShipOutcome Shipper::on_store_error(const Error& error) {
  connected_ = false;
  store_.close();
  for (auto& [name, known] : known_) known.fresh = false;  // positions are read again
  // The failed batch may have carried agent and subscription changes that the
  // reader will not read again on its own (it reads them when an event is
  // new to it): a fresh reader starts over.
  journal_.reset();
  update_stats([](ShipperStats& s) { s.connected = false; });
  if (error.code == kShipConflict) {
    report(LogLevel::kError, "central store: " + error.message);
  } else {
    report(LogLevel::kError, "central store: " + error.message +
                                 " (recording goes on locally; what is not shipped yet ships when the store "
                                 "is back)");
  }
  return ShipOutcome::kFailed;
}

void Shipper::on_retiring(const std::string& path) {
  Retired retired{file_name(path), 0, {}, true};
  for (const SetFile& f : files_.files()) {
    if (f.path == path) retired.started_ns = f.started_ns;
  }
  if (auto journal = JournalFile::open(path)) {
    if (auto extent = journal->extent()) retired.extent = *extent;
  }
  std::lock_guard lock(mutex_);
  retired_.push_back(std::move(retired));
}

// A file of the set that disappeared without retention saying so (deleted
// by hand, or moved aside as corrupt): what the store lacks of it is lost
// too, as far as the last look at it tells.
void Shipper::note_vanished(const std::vector<SetFile>& files) {
  std::map<std::string, SetFile> now;
  for (const SetFile& f : files) now.emplace(file_name(f.path), f);
  std::lock_guard lock(mutex_);
  for (const auto& [name, f] : seen_) {
    if (now.count(name) || complete_.count(name)) continue;
    const bool noted = std::any_of(retired_.begin(), retired_.end(), [&](const Retired& r) { return r.name == name; });
    if (!noted) retired_.push_back(Retired{name, f.started_ns, seen_extents_[name], false});
    seen_extents_.erase(name);
  }
  seen_ = std::move(now);
}

bool Shipper::record_retired() {
  std::vector<Retired> pending;
  {
    std::lock_guard lock(mutex_);
    pending.swap(retired_);
  }
  for (std::size_t i = 0; i < pending.size(); ++i) {
    if (record_one(pending[i])) continue;
    std::lock_guard lock(mutex_);
    retired_.insert(retired_.begin(), pending.begin() + static_cast<std::ptrdiff_t>(i), pending.end());
    return false;
  }
  return true;
}

bool Shipper::record_one(const Retired& r) {
  if (complete_.count(r.name)) return true;  // the store has all of it
  auto file = store_.file(options_.site, r.name, r.started_ns);
  auto retired = file ? store_.retire(file->id, r.extent, now_ns()) : Result<RetiredFile>(Unexpected<Error>{file.error()});
  if (!retired) {
    on_store_error(retired.error());
    return false;
  }
  complete_.insert(r.name);
  known_.erase(r.name);
  finished_extents_.erase(r.name);
  if (journal_ && file_name(journal_->path()) == r.name) journal_.reset();
  if (retired->lost() == 0) return true;
  update_stats([&](ShipperStats& s) {
    ++s.gaps;
    s.lost_rows += static_cast<std::uint64_t>(retired->lost());
  });
  if (options_.log) {
    options_.log(LogLevel::kWarning,
                 (r.by_retention ? "retention deleted " : "recording file vanished: ") + r.name + " before " +
                     std::to_string(retired->lost()) + " of its rows were shipped (" +
                     std::to_string(retired->lost_messages) + " messages, " + std::to_string(retired->lost_events) +
                     " events); recorded in the central store as a gap");
  }
  return true;
}

std::optional<JournalExtent> Shipper::extent_of(const SetFile& file, bool finished) {
  const std::string name = file_name(file.path);
  if (auto it = finished_extents_.find(name); it != finished_extents_.end()) return it->second;
  std::optional<JournalFile> opened;
  JournalFile* journal = journal_ && journal_->path() == file.path ? journal_.get() : nullptr;
  if (!journal) {
    auto j = JournalFile::open(file.path);
    if (!j) return j.error().code == kJournalNotReady ? std::optional(JournalExtent{}) : std::nullopt;
    opened.emplace(std::move(*j));
    journal = &*opened;
  }
  auto extent = journal->extent();
  if (!extent) return std::nullopt;
  if (finished) finished_extents_[name] = *extent;
  return *extent;
}

// Reads the store's record of every file not complete (after a
// reconnection), and sums the backlog. Offline, positions are the last
// known ones: the store has at least that much.
bool Shipper::refresh(const std::vector<SetFile>& files) {
  std::int64_t backlog = 0;
  std::uint64_t pending_files = 0;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string name = file_name(files[i].path);
    if (complete_.count(name)) continue;
    Known& known = known_[name];
    if (connected_ && !known.fresh) {
      auto central = store_.file(options_.site, name, files[i].started_ns);
      if (!central) {
        on_store_error(central.error());
        return false;
      }
      known = Known{std::move(*central), true};
      if (known.central.complete) {
        complete_.insert(name);
        known_.erase(name);
        continue;
      }
    }
    const auto extent = extent_of(files[i], i + 1 < files.size());
    if (!extent) continue;
    {
      std::lock_guard lock(mutex_);
      seen_extents_[name] = *extent;
    }
    backlog += rows_after(*extent, known.central.position);
    ++pending_files;
  }
  const bool known_backlog = reached_once_;
  update_stats([&](ShipperStats& s) {
    s.backlog_rows = known_backlog ? backlog : -1;
    s.backlog_files = pending_files;
  });
  return true;
}

ShipOutcome Shipper::ship_next(const std::vector<SetFile>& files) {
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (complete_.count(file_name(files[i].path))) continue;
    if (auto outcome = ship_file(files[i], i + 1 < files.size())) return *outcome;
  }
  return ShipOutcome::kIdle;
}

JournalFile* Shipper::journal_for(const std::string& path) {
  if (journal_ && journal_->path() == path) return journal_.get();
  journal_.reset();
  auto opened = JournalFile::open(path);
  if (!opened) {
    if (opened.error().code != kJournalNotReady) report(LogLevel::kError, "cannot ship " + opened.error().message);
    return nullptr;
  }
  journal_ = std::make_unique<JournalFile>(std::move(*opened));
  return journal_.get();
}

// nullopt: nothing can be done with this file now (not readable yet): the
// caller goes on with the next one.
std::optional<ShipOutcome> Shipper::ship_file(const SetFile& file, bool finished) {
  const std::string name = file_name(file.path);
  JournalFile* journal = journal_for(file.path);
  if (!journal) return std::nullopt;
  Known& known = known_[name];
  auto batch = journal->read(known.central, options_.batch_rows, finished);
  if (!batch) {
    report(LogLevel::kError, "cannot read " + file.path + " to ship it: " + batch.error().message);
    journal_.reset();
    return std::nullopt;
  }
  if (batch->empty()) return finished ? std::nullopt : std::optional(ShipOutcome::kIdle);
  if (auto s = store_.ship(known.central.id, known.central.position, *batch, now_ns()); !s) {
    return on_store_error(s.error());
  }
  shipped(name, *batch);
  const bool full = batch->messages.size() >= options_.batch_rows || batch->events.size() >= options_.batch_rows;
  return full || finished ? ShipOutcome::kMore : ShipOutcome::kIdle;
}

void Shipper::shipped(const std::string& name, const ShipBatch& batch) {
  known_[name].central.apply(batch);
  repeating_.clear();
  const std::int64_t now = now_ns();
  update_stats([&](ShipperStats& s) {
    s.connected = true;
    s.shipped_rows += batch.rows();
    s.shipped_messages += batch.messages.size();
    ++s.batches;
    s.last_row_ns = std::max(s.last_row_ns, batch.last_row_ns);
    s.last_ship_ns = now;
    if (s.backlog_rows > 0) s.backlog_rows = std::max<std::int64_t>(0, s.backlog_rows - static_cast<std::int64_t>(batch.rows()));
  });
  if (!batch.completes_file) return;
  complete_.insert(name);
  known_.erase(name);
  finished_extents_.erase(name);
  journal_.reset();
  if (options_.log) options_.log(LogLevel::kInfo, "shipped " + name + " completely");
}

}  // namespace ivy::storage
