#pragma once
// RegexSyntax: a light parse of one PCRE2 pattern (ivy-c's dialect: byte
// mode, no options), for the subscription lint (core/subscription_lint.hpp).
// It is a model, not a matcher: enough structure to find the shapes that
// backtrack catastrophically (core/backtracking_check.hpp) and the constructs
// Python's `re` reads differently (core/dialect_check.hpp).
//
//   auto parsed = parse_regex_syntax("^(?<n>\\w+)\\s*$");
//   parsed.alternatives[0]   // ^, group n (\w+), \s*, $
//   parsed.features          // {kAngleNamedGroup at offset 1}
//
// What it models: literals, classes (ranges, escapes, POSIX names, negation),
// `.`, the class escapes (\d \w \s \h \v \N ...), quantifiers (greedy, lazy,
// possessive, {n,m}), groups of every kind, alternation, anchors and other
// zero-width assertions, back-references, and the flags i, s, x (scoped to
// their group) because they change which bytes an item matches.
// What it does not model (kOpaque: "something zero-width or unknown"):
// recursion, subroutine calls, callouts, verbs, \X, \p{..}; they are reported
// as features instead.
//
// Feed it patterns that PCRE2 compiled (regex.hpp): on anything else the model
// is a best effort and never fails.
//
// Pure: no I/O, no allocation beyond the result.

#include <cstddef>
#include <string_view>
#include <vector>

#include "core/byte_set.hpp"

namespace ivy {

inline constexpr int kUnbounded = -1;

enum class RegexNodeKind {
  kBytes,    // one byte from `bytes` (a literal, a class, `.`, \d ...)
  kGroup,    // `alternatives`, of kind `group`
  kAssert,   // zero width: ^ $ \A \z \Z \b \B \G \K
  kBackref,  // \1, \g{n}, \k<n>, (?P=n): what a group matched
  kOpaque,   // recursion, verbs, callouts, \X, \p{..}: not modelled
};

enum class GroupKind {
  kCapture,
  kNonCapture,   // (?: and (?flags:
  kAtomic,       // (?>
  kLookahead,    // (?= (?!
  kLookbehind,   // (?<= (?<!
  kBranchReset,  // (?|
  kConditional,  // (?(cond)yes|no)
};

enum class AssertKind { kStart, kEnd, kOther };

struct RegexNode;
using RegexSequence = std::vector<RegexNode>;

struct RegexNode {
  RegexNodeKind kind = RegexNodeKind::kBytes;
  std::size_t offset = 0;  // where the item starts in the pattern
  std::size_t length = 0;  // bytes of pattern it spans, quantifier included
  ByteSet bytes;           // kBytes
  GroupKind group = GroupKind::kCapture;
  std::vector<RegexSequence> alternatives;  // kGroup
  AssertKind assertion = AssertKind::kOther;
  int min = 1;
  int max = 1;  // kUnbounded for *, +, {n,}
  bool lazy = false;
  bool possessive = false;
};

// Constructs worth a remark, with where they are. Mostly the PCRE-only ones
// Python's `re` rejects or reads differently; the list is what dialect_check
// needs, in pattern order.
enum class RegexFeature {
  kAngleNamedGroup,      // (?<name>  or (?'name'   (Python: (?P<name>)
  kPythonNamedGroup,     // (?P<name>  (fine in both)
  kAtomicGroup,          // (?>
  kPossessive,           // *+ ++ ?+ {n,m}+
  kQuoting,              // \Q...\E
  kPcreOnlyEscape,       // \h \H \R \K \z \G \X \C \e \c \o \p \P \g \k \N \E
  kBraceHex,             // \x{...}
  kShortHex,             // \x with fewer than two hex digits
  kVerticalSpaceEscape,  // \v, \V: a class in PCRE, one byte (VT) in Python
  kPosixClass,           // [[:alpha:]]
  kRecursion,            // (?R) (?1) (?+1) (?&name) (?P>name) \g<n>
  kBranchReset,          // (?|
  kVerb,                 // (*VERB) (*UTF) ...
  kCallout,              // (?C...)
  kPcreOnlyCondition,    // (?(R)..) (?(<name>)..) (?(?=..)..) (?(DEFINE)..)
  kPcreOnlyFlag,         // (?J) (?U) (?X) (?n) (?^) (?xx)
  kMidPatternFlags,      // (?i) not at the very start (Python 3.11: error)
  kNegatedGlobalFlag,    // (?-i) without a colon
  kEmptyMinQuantifier,   // x{,n}: literal in PCRE2 10.42, a quantifier in Python
  kVariableLookbehind,   // (?<=a|bc): Python needs one width
  kNonAsciiInClass,      // a byte >= 0x80 inside [...]
  kNonAsciiQuantified,   // a byte >= 0x80 directly under a quantifier
};

struct RegexFeatureAt {
  RegexFeature feature;
  std::size_t offset = 0;
  std::size_t length = 0;
};

struct RegexSyntax {
  std::vector<RegexSequence> alternatives;  // the top level
  std::vector<RegexFeatureAt> features;
  int capture_groups = 0;
};

RegexSyntax parse_regex_syntax(std::string_view pattern);

// The widths (in bytes) a sequence can match: min, and max or kUnbounded.
// Back-references and opaque items count as unbounded.
struct RegexWidth {
  int min = 0;
  int max = 0;
};
RegexWidth regex_width(const RegexSequence& sequence);

}  // namespace ivy
