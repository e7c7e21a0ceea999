#pragma once
// lint_subscriptions: the report `ivyctl lint` prints about the subscriptions
// on a bus (live) or in a recording. Pure: the caller gathers the
// subscriptions (status socket or storage::Reader); this turns them into
// findings.
//
// Checks, by name (the names are the --skip values and the JSON "check"):
//   invalid              PCRE2 cannot compile it: ivyd and ivy-c agents ignore
//                        it (ivyd answered the agent with an ERROR)
//   hyperscan-fallback   Hyperscan cannot take it: PCRE2 runs it on every
//                        message (docs/matcher.md)
//   hyperscan-prefilter  Hyperscan takes an approximation: PCRE2 confirms
//                        every candidate
//   backtracking         exponential backtracking (backtracking_check.hpp)
//   dialect              ivy-python senders read it differently
//                        (dialect_check.hpp); one finding per difference
//   catch-all            matches every message, like `(.*)`
//   duplicate            the same pattern held by `duplicate_holders` or more
//                        agents
//   never-matched        recordings only: nothing was delivered through it
//   most-matched         recordings only: the busiest patterns; information,
//                        not a problem (not counted by problems())
//
// A pattern held by several agents is checked once; its finding lists every
// holder. Findings come in the order above, then in the order the patterns
// were first seen (most-matched: busiest first).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ivy {

struct LintSubscription {
  std::string bus;     // a bus id (live) or spec (recording); may be empty
  std::string agent;   // the agent's name
  std::string app_id;  // tells agents with the same name apart; may be empty
  std::int32_t regexp_id = 0;
  std::string pattern;
  // Deliveries through it in a recording (receiver rows); nullopt live.
  std::optional<std::int64_t> matches;
};

enum class LintCheck : unsigned {
  kInvalid,
  kHyperscanFallback,
  kHyperscanPrefilter,
  kBacktracking,
  kDialect,
  kCatchAll,
  kDuplicate,
  kNeverMatched,
  kMostMatched,
};
inline constexpr unsigned kLintCheckCount = 9;

std::string_view to_string(LintCheck check);
std::optional<LintCheck> parse_lint_check(std::string_view name);

using LintCheckMask = std::uint32_t;
constexpr LintCheckMask lint_bit(LintCheck c) {
  return LintCheckMask{1} << static_cast<unsigned>(c);
}

struct LintHolder {
  std::string bus;
  std::string agent;
  std::string app_id;
  std::int32_t regexp_id = 0;
};

struct LintFinding {
  LintCheck check = LintCheck::kInvalid;
  std::string pattern;
  std::vector<LintHolder> holders;
  std::string detail;                 // one sentence
  std::optional<std::size_t> offset;  // where in the pattern, when it is one place
  std::string example;                // backtracking: a text showing it
  std::int64_t matches = 0;           // most-matched: deliveries
};

struct LintOptions {
  LintCheckMask skip = 0;
  std::size_t duplicate_holders = 3;
  std::size_t most_matched = 10;
};

struct LintReport {
  std::size_t subscriptions = 0;
  std::size_t patterns = 0;  // distinct
  std::size_t agents = 0;    // distinct (app id, else name)
  bool with_counts = false;  // the input had match counts (a recording)
  std::vector<LintFinding> findings;

  // Findings that are problems (all but most-matched): lint exits 1 on any.
  std::size_t problems() const;
};

LintReport lint_subscriptions(const std::vector<LintSubscription>& subscriptions,
                              const LintOptions& options = {});

}  // namespace ivy
