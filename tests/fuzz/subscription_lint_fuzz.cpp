// libFuzzer target: a subscription pattern from a peer -> the lint's analyses
// (core/regex_syntax, core/backtracking_check, core/dialect_check,
// core/subscription_lint). Patterns come from the network: any bytes.
//
// Invariants checked (a failure aborts, and libFuzzer keeps the input):
//   - every parsed item and every feature lies inside the pattern;
//   - a sequence's minimum width is at most its maximum;
//   - a backtracking witness starts with its prefix, and the example is
//     prefix + pump... + suffix;
//   - dialect issues point inside the pattern;
//   - the lint of one subscription reports it once per finding, held by it.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/backtracking_check.hpp"
#include "core/dialect_check.hpp"
#include "core/regex_syntax.hpp"
#include "core/subscription_lint.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using namespace ivy;

void check_sequence(const RegexSequence& seq, std::size_t size) {
  const RegexWidth w = regex_width(seq);
  FUZZ_CHECK(w.min >= 0);
  FUZZ_CHECK(w.max == kUnbounded || w.min <= w.max);
  for (const RegexNode& n : seq) {
    FUZZ_CHECK(n.offset <= size);
    FUZZ_CHECK(n.offset + n.length <= size);
    FUZZ_CHECK(n.max == kUnbounded || n.min <= n.max);
    for (const auto& alternative : n.alternatives) check_sequence(alternative, size);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;  // a subscription is one line; keep runs fast
  const std::string pattern(reinterpret_cast<const char*>(data), size);
  const RegexSyntax syntax = parse_regex_syntax(pattern);
  for (const auto& alternative : syntax.alternatives) check_sequence(alternative, size);
  for (const auto& f : syntax.features) FUZZ_CHECK(f.offset + f.length <= size);

  if (const auto risk = find_exponential_backtracking(pattern, syntax)) {
    FUZZ_CHECK(!risk->pump.empty());
    FUZZ_CHECK(risk->example.compare(0, risk->prefix.size(), risk->prefix) == 0);
    FUZZ_CHECK(risk->offset <= size);
  }
  for (const auto& issue : find_dialect_issues(pattern, syntax))
    FUZZ_CHECK(issue.offset + issue.length <= size);

  const LintReport report =
      lint_subscriptions({LintSubscription{"bus", "A", "app", 7, pattern, 0}});
  FUZZ_CHECK(report.patterns == 1);
  for (const auto& f : report.findings) {
    FUZZ_CHECK(f.pattern == pattern);
    FUZZ_CHECK(f.holders.size() == 1 && f.holders[0].regexp_id == 7);
    FUZZ_CHECK(!f.offset || *f.offset <= size);
  }
  return 0;
}
