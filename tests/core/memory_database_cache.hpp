#pragma once
// MemoryDatabaseCache: the in-memory fake of DatabaseCache for core's tests
// (storage/file_database_cache is the real one). Keys are kept whole, so two
// keys can never be confused; counters tell what the matcher asked for.
//
// Thread: thread-safe, as the interface requires (the compile worker calls it).

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/database_cache.hpp"

namespace ivy::test {

class MemoryDatabaseCache final : public DatabaseCache {
 public:
  std::optional<std::string> load(std::string_view key) override {
    std::lock_guard lock(mutex_);
    ++loads_;
    auto it = entries_.find(std::string(key));
    if (it == entries_.end()) return std::nullopt;
    return it->second;
  }
  void store(std::string_view key, std::string_view bytes) override {
    std::lock_guard lock(mutex_);
    ++stores_;
    entries_[std::string(key)] = std::string(bytes);
  }
  void remove(std::string_view key) override {
    std::lock_guard lock(mutex_);
    removes_ += entries_.erase(std::string(key));
  }

  // Applies `edit` to every stored entry (to damage them).
  template <class F>
  void edit_all(F edit) {
    std::lock_guard lock(mutex_);
    for (auto& [key, bytes] : entries_) edit(bytes);
  }

  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
  }
  std::uint64_t loads() const {
    std::lock_guard lock(mutex_);
    return loads_;
  }
  std::uint64_t stores() const {
    std::lock_guard lock(mutex_);
    return stores_;
  }
  std::uint64_t removes() const {
    std::lock_guard lock(mutex_);
    return removes_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string> entries_;
  std::uint64_t loads_ = 0;
  std::uint64_t stores_ = 0;
  std::uint64_t removes_ = 0;
};

}  // namespace ivy::test
