#include "core/pcre_matcher.hpp"

#include <utility>

namespace ivy {

bool search_counting_errors(const Regex& regex, std::string_view text, CaptureMode mode,
                            std::vector<std::string>& captures, std::uint64_t& errors) {
  const Result<bool> found = regex.search(text, mode, captures);
  if (!found) {
    ++errors;
    return false;
  }
  return *found;
}

std::size_t match_peer_with_pcre(const PatternTable& table, PeerKey peer, std::string_view text,
                                 CaptureMode mode, std::vector<Hit>& hits,
                                 std::uint64_t& errors) {
  HitBuffer buffer;
  std::vector<std::string> captures;
  table.for_each_subscription_of(peer, [&](const PatternEntry& entry) {
    if (!search_counting_errors(entry.regex, text, mode, captures, errors)) return;
    for (const Subscriber& s : entry.subscribers) {
      if (s.peer == peer) buffer.add(s, captures);
    }
  });
  return buffer.drain_to(hits);
}

PcreMatcher::PcreMatcher(JitMode jit) : table_(jit) {}

Result<void, CompileError> PcreMatcher::add(PeerKey peer, int regexp_id,
                                            std::string_view pattern) {
  return table_.add(peer, regexp_id, pattern);
}

void PcreMatcher::remove(PeerKey peer, int regexp_id) { table_.remove(peer, regexp_id); }

void PcreMatcher::remove_peer(PeerKey peer) { table_.remove_peer(peer); }

MatcherStats PcreMatcher::stats() const {
  MatcherStats s;
  s.subscriptions = table_.subscription_count();
  s.patterns = table_.entry_count();
  s.fallback_patterns = s.patterns;
  s.match_errors = match_errors_;
  return s;
}

std::size_t PcreMatcher::match(std::string_view text, CaptureMode mode,
                               std::vector<Hit>& hits) {
  table_.for_each_entry([&](const PatternEntry& entry) {
    if (search_counting_errors(entry.regex, text, mode, captures_, match_errors_)) {
      hit_buffer_.add(entry, std::move(captures_));
    }
  });
  return hit_buffer_.drain_to(hits);
}

std::size_t PcreMatcher::match_peer(PeerKey peer, std::string_view text, CaptureMode mode,
                                    std::vector<Hit>& hits) {
  return match_peer_with_pcre(table_, peer, text, mode, hits, match_errors_);
}

std::size_t PcreMatcher::match_refs(std::string_view text, std::vector<SubscriptionRef>& refs) {
  table_.for_each_entry([&](const PatternEntry& entry) {
    const Result<bool> found = entry.regex.matches(text);
    if (!found) {
      ++match_errors_;
    } else if (*found) {
      ref_buffer_.add(entry);
    }
  });
  return ref_buffer_.drain_to(refs);
}

}  // namespace ivy
