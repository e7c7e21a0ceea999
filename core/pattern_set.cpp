#include "core/pattern_set.hpp"

namespace ivy {

bool PatternSet::add(const std::string& pattern) {
  auto it = counts_.find(pattern);
  if (it != counts_.end()) {
    ++it->second.count;
    return false;
  }
  const int id = next_id_++;
  if (!matcher_.add(0, id, pattern)) return false;
  counts_.emplace(pattern, Held{id, 1});
  return true;
}

bool PatternSet::remove(const std::string& pattern) {
  auto it = counts_.find(pattern);
  if (it == counts_.end() || --it->second.count > 0) return false;
  matcher_.remove(0, it->second.id);
  counts_.erase(it);
  return true;
}

void PatternSet::clear() {
  matcher_.remove_peer(0);
  counts_.clear();
}

bool PatternSet::matches(std::string_view text) {
  if (counts_.empty()) return false;
  refs_.clear();
  return matcher_.match_refs(text, refs_) > 0;
}

std::vector<std::string> PatternSet::patterns() const {
  std::vector<std::string> out;
  out.reserve(counts_.size());
  for (const auto& [pattern, held] : counts_) out.push_back(pattern);
  return out;
}

}  // namespace ivy
