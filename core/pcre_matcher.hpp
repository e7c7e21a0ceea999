#pragma once
// PcreMatcher: the reference Matcher, ivy-c's algorithm with PCRE2 — run every
// distinct pattern text once over the message, fan a match out to every
// (peer, id) holding that text, then order the hits by subscription add order.
//
// Cost is linear in the number of distinct patterns (~10 µs per message at
// 100 patterns, ~0.1 ms at 3,000); HyperscanMatcher is the fast one. This one
// is the reference and the oracle of the differential tests; agents run on
// HyperscanMatcher.
//
// Thread: one thread; nothing runs in the background.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/hit_buffer.hpp"
#include "core/matcher.hpp"
#include "core/pattern_table.hpp"
#include "core/regex.hpp"

namespace ivy {

class PcreMatcher final : public Matcher {
 public:
  // kJit only pays with few patterns (see docs/matcher.md); the benchmark uses it.
  explicit PcreMatcher(JitMode jit = JitMode::kInterpreter);

  Result<void, CompileError> add(PeerKey peer, int regexp_id, std::string_view pattern) override;
  void remove(PeerKey peer, int regexp_id) override;
  void remove_peer(PeerKey peer) override;
  std::size_t match(std::string_view text, CaptureMode mode, std::vector<Hit>& hits) override;
  std::size_t match_peer(PeerKey peer, std::string_view text, CaptureMode mode,
                         std::vector<Hit>& hits) override;
  std::size_t match_refs(std::string_view text, std::vector<SubscriptionRef>& refs) override;
  std::size_t subscription_count() const override { return table_.subscription_count(); }
  std::uint64_t match_errors() const override { return match_errors_; }
  // Every pattern counts as fallback: PCRE2 alone, for good.
  MatcherStats stats() const override;

 private:
  PatternTable table_;
  HitBuffer hit_buffer_;
  RefBuffer ref_buffer_;
  std::vector<std::string> captures_;
  std::uint64_t match_errors_ = 0;
};

// Runs `regex` on `text` for a matcher: true on a match (captures filled),
// false on no match or on a limit error, which bumps `errors`.
bool search_counting_errors(const Regex& regex, std::string_view text, CaptureMode mode,
                            std::vector<std::string>& captures, std::uint64_t& errors);

// match_peer() for any matcher: the peer's own patterns through PCRE2 (a peer
// holds few; this serves the one-off ready message).
std::size_t match_peer_with_pcre(const PatternTable& table, PeerKey peer, std::string_view text,
                                 CaptureMode mode, std::vector<Hit>& hits,
                                 std::uint64_t& errors);

}  // namespace ivy
