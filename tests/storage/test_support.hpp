#pragma once
// Helpers shared by the storage tests: a temporary directory, a hand-driven
// clock, and record builders.

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "storage/clock.hpp"
#include "storage/record.hpp"

namespace ivy::storage::testing {

// mkdtemp under /tmp, removed with everything in it at destruction.
class TempDir {
 public:
  TempDir() {
    char name[] = "/tmp/ivyd-storage-XXXXXX";
    path_ = ::mkdtemp(name);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ec);
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Starts at 2026-11-25T10:00:00Z; moves only when told.
class FakeClock final : public Clock {
 public:
  Stamp now() const override { return Stamp{wall_.load(), mono_.load()}; }
  void advance_ns(std::int64_t ns) {
    wall_ += ns;
    mono_ += ns;
  }
  void advance_s(std::int64_t s) { advance_ns(s * 1'000'000'000); }

 private:
  std::atomic<std::int64_t> wall_{1'795'600'800'000'000'000};
  std::atomic<std::int64_t> mono_{1'000'000'000'000};
};

inline Stamp at_ns(std::int64_t wall_ns) { return Stamp{wall_ns, wall_ns}; }

inline AgentEvent join(PeerKey key, const std::string& name, std::int64_t t = 1) {
  AgentEvent e;
  e.at = at_ns(t);
  e.change = AgentChange::kJoined;
  e.agent = AgentRef{key, "app-" + name, name, "localhost", 4000, "127:2010"};
  return e;
}

inline AgentEvent leave(PeerKey key, LeaveHow how, std::int64_t t) {
  AgentEvent e;
  e.at = at_ns(t);
  e.change = AgentChange::kLeft;
  e.agent.key = key;
  e.how = how;
  return e;
}

inline SubscriptionEvent bind(PeerKey key, std::int32_t id, const std::string& pattern,
                              std::int64_t t) {
  return SubscriptionEvent{at_ns(t), SubscriptionChange::kAdded, key, id, pattern};
}

inline SubscriptionEvent unbind(PeerKey key, std::int32_t id, std::int64_t t) {
  return SubscriptionEvent{at_ns(t), SubscriptionChange::kRemoved, key, id, {}};
}

inline MessageRecord message(PeerKey sender, const std::string& text, std::int64_t t,
                             std::vector<Receiver> receivers = {}) {
  MessageRecord m;
  m.at = at_ns(t);
  m.sender = sender;
  m.text = text;
  m.receivers = std::move(receivers);
  return m;
}

}  // namespace ivy::storage::testing

#include <chrono>
#include <functional>
#include <thread>

#include "storage/sqlite_handle.hpp"

namespace ivy::storage::testing {

// Polls `done` every 5 ms until it holds or `timeout` passes.
inline bool wait_until(const std::function<bool()>& done,
                       std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// One integer from a read-only connection; -1 if the query fails.
inline std::int64_t query_int(const std::string& path, const char* sql) {
  auto db = Database::open(path, OpenMode::kReadOnly);
  if (!db) return -1;
  sqlite3_busy_timeout(db->get(), 1000);
  auto n = db->query_int(sql);
  return n ? *n : -1;
}

}  // namespace ivy::storage::testing
