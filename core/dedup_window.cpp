#include "core/dedup_window.hpp"

namespace ivy {
namespace {

// FNV-1a, 64-bit: stable and cheap on short texts.
std::uint64_t fnv1a(std::string_view bytes, std::uint64_t hash = 14695981039346656037ull) {
  for (unsigned char c : bytes) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

}  // namespace

bool DedupWindow::is_duplicate(std::string_view text, std::string_view origin, std::string_view path, Time now) {
  evict(now);
  // The 0xff separator keeps ("ab", "c") and ("a", "bc") apart.
  const std::uint64_t key = fnv1a(origin, fnv1a("\xff", fnv1a(text)));
  const std::uint64_t path_hash = fnv1a(path);
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.path != path_hash && now - it->second.seen < options_.window) {
    ++duplicates_;
    return true;
  }
  entries_[key] = Entry{path_hash, now};
  order_.emplace_back(now, key);
  return false;
}

// Drops entries past the window, and the oldest beyond max_entries. order_
// may hold stale pairs for keys seen again later; an entry is erased only if
// its recorded time is the one in the pair.
void DedupWindow::evict(Time now) {
  while (!order_.empty()) {
    const auto [seen, key] = order_.front();
    const bool expired = now - seen >= options_.window;
    const bool over = order_.size() > options_.max_entries || entries_.size() > options_.max_entries;
    if (!expired && !over) break;
    order_.pop_front();
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.seen == seen) entries_.erase(it);
  }
}

}  // namespace ivy
