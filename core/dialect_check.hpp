#pragma once
// find_dialect_issues: where ivy-c and ivy-python senders disagree about a
// subscription.
//
// Ivy matches on the sender (ivy-protocol.md §6.2-6.3): an ivy-c sender (and
// ivyd) runs PCRE with no options over the text's bytes, searching anywhere;
// an ivy-python sender runs Python's `re` on str patterns with `re.match`,
// i.e. anchored at the start of the text. So on a bus with both kinds of
// agent, one subscription can get a message from one sender and not from the
// other, or make the Python sender's link fail (a pattern Python cannot
// compile). Reported:
//   kPythonRejects     Python's re cannot compile it (\h, (?<name>...),
//                      \Q...\E, recursion, verbs, mid-pattern flags, ...)
//   kOldPythonRejects  only Python 3.11+ compiles it (atomic groups,
//                      possessive quantifiers)
//   kDifferentMeaning  both compile it, to different things ([[:alpha:]],
//                      x{,3}, \v, non-ASCII bytes in a class or repeated)
//   kAnchoring         not anchored at the start: PCRE finds it anywhere in
//                      the text, re.match only at its start
// Not reported, because they never differ on Ivy texts (no LF in a message)
// or only on non-ASCII text: `$` and `\Z` before a final LF; \d \w \s \b
// being Unicode-aware in Python.
//
// Pure.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/regex_syntax.hpp"

namespace ivy {

enum class DialectIssueKind { kPythonRejects, kOldPythonRejects, kDifferentMeaning, kAnchoring };

struct DialectIssue {
  DialectIssueKind kind = DialectIssueKind::kPythonRejects;
  std::size_t offset = 0;  // the construct in the pattern (0, 0 for kAnchoring)
  std::size_t length = 0;
  std::string what;  // one sentence, naming the construct
};

std::vector<DialectIssue> find_dialect_issues(std::string_view pattern, const RegexSyntax& syntax);

// True if a match found anywhere also starts at offset 0 (the pattern starts
// with ^, \A, or a `.*`-like repetition, in every alternative), so PCRE's
// search and Python's re.match agree on where it can start.
bool starts_anchored(const std::vector<RegexSequence>& alternatives);

}  // namespace ivy
