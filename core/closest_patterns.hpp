#pragma once
// closest_patterns: when a text reaches nobody, the subscriptions that come
// closest to it. It answers "why did my message not arrive?" (`ivyctl
// who-gets`): the pattern the sender had in mind is usually the one that
// starts the same way and then parts from the text.
//
// A pattern comes close when
//   - its literal first word is the text's first word (`^TrackMoved (\d+)`
//     for "TrackMoved north"): same_first_word; or
//   - it accepts a prefix of the text: matched from the text's start (as
//     most Ivy patterns are anchored with `^`), the text's first
//     agreed_bytes bytes can still be part of a match, and byte
//     agreed_bytes is where the two part (agreed_bytes == the text's size:
//     the whole text fits, the pattern wants more). At least
//     min_agreed_bytes must agree, or the whole text if it is shorter: a
//     byte or two in common is chance.
// Results: same first word first, then the longest agreement, then the
// order of `patterns`; at most max_results.
//
// The agreement comes from PCRE2's partial matching (PCRE2_PARTIAL_HARD,
// anchored), Ivy semantics (no options, byte mode). A pattern that does not
// compile is skipped. Only the first max_text_bytes of the text are weighed.
//
// Cost, bounded because the daemon answers on its event loop and the
// patterns come from the network: one string comparison for a pattern whose
// leading literal parts from the text early (the common `^Word ...` shape);
// else a compile and about log2(text size) partial matches, each under
// kProbeMatchLimit steps (a pattern that needs more agrees no further: a
// catastrophic `(a+)+$` costs tens of microseconds, not milliseconds). At
// most max_pcre2_calls compiles and matches in all; past that budget the
// remaining patterns are weighed by their leading literal alone (agreed_bytes
// is then the literal's agreement, and a pattern is not compiled).
//
// Pure: no I/O; safe on any thread.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ivy {

struct NearMiss {
  std::size_t index = 0;         // position in `patterns`
  bool same_first_word = false;  // the pattern's literal first word is the text's
  std::size_t agreed_bytes = 0;  // the text's first bytes that fit the pattern
  friend bool operator==(const NearMiss&, const NearMiss&) = default;
};

// PCRE2 match limit of one partial match (Regex uses 1,000,000 for real
// matching).
inline constexpr std::uint32_t kProbeMatchLimit = 10'000;

struct NearMissOptions {
  std::size_t max_results = 5;
  std::size_t min_agreed_bytes = 4;
  std::size_t max_text_bytes = 1024;
  std::size_t max_pcre2_calls = 20'000;
};

std::vector<NearMiss> closest_patterns(std::string_view text, std::span<const std::string> patterns,
                                       const NearMissOptions& options = {});

// The text's first word: its bytes up to the first space (all of it if none).
std::string_view first_word(std::string_view text);

}  // namespace ivy
