#include "core/dialect_check.hpp"

#include <algorithm>
#include <optional>

namespace ivy {
namespace {

using Kind = DialectIssueKind;

struct Explanation {
  Kind kind;
  const char* text;  // follows the construct's own text in the message
};

// The sentences name what PCRE does and what Python does (checked against
// Python 3.11's re: tests/core/dialect_check_test.cpp runs python3 as an
// oracle when it is installed).
std::optional<Explanation> explain(RegexFeature feature, std::string_view construct) {
  switch (feature) {
    case RegexFeature::kAngleNamedGroup:
      return Explanation{Kind::kPythonRejects, "named group: Python's re only knows (?P<name>...)"};
    case RegexFeature::kAtomicGroup:
      return Explanation{Kind::kOldPythonRejects,
                         "atomic group: Python's re before 3.11 rejects it"};
    case RegexFeature::kPossessive:
      return Explanation{Kind::kOldPythonRejects,
                         "possessive quantifier: Python's re before 3.11 rejects it"};
    case RegexFeature::kQuoting:
      return Explanation{Kind::kPythonRejects,
                         "quoting: Python's re has no \\Q...\\E (bad escape)"};
    case RegexFeature::kPcreOnlyEscape:
      return Explanation{Kind::kPythonRejects, "escape: Python's re rejects it (bad escape)"};
    case RegexFeature::kBraceHex:
      return Explanation{Kind::kPythonRejects, "hex escape: Python's re needs \\xhh"};
    case RegexFeature::kShortHex:
      return Explanation{Kind::kPythonRejects,
                         "hex escape with fewer than two digits: Python's re rejects it"};
    case RegexFeature::kVerticalSpaceEscape:
      if (construct.find('V') != std::string_view::npos) {
        return Explanation{Kind::kPythonRejects, "escape: Python's re rejects it (bad escape)"};
      }
      return Explanation{
          Kind::kDifferentMeaning,
          "escape: any vertical space (LF VT FF CR NEL) in PCRE, only VT in Python's re"};
    case RegexFeature::kPosixClass:
      return Explanation{
          Kind::kDifferentMeaning,
          "POSIX class: in Python's re a set of the characters between the brackets, then a ']'"};
    case RegexFeature::kRecursion:
      return Explanation{Kind::kPythonRejects,
                         "recursion or subroutine call: Python's re has none"};
    case RegexFeature::kBranchReset:
      return Explanation{Kind::kPythonRejects, "branch reset group: Python's re has none"};
    case RegexFeature::kVerb:
      return Explanation{Kind::kPythonRejects, "PCRE verb: Python's re has none"};
    case RegexFeature::kCallout:
      return Explanation{Kind::kPythonRejects, "callout: Python's re has none"};
    case RegexFeature::kPcreOnlyCondition:
      return Explanation{Kind::kPythonRejects,
                         "condition: Python's re only takes a group number or name"};
    case RegexFeature::kPcreOnlyFlag:
      return Explanation{Kind::kPythonRejects, "flag: Python's re does not know it"};
    case RegexFeature::kMidPatternFlags:
      return Explanation{
          Kind::kPythonRejects,
          "flags after the start: PCRE applies them from there on; Python 3.11's re rejects them "
          "(earlier versions apply them to the whole pattern)"};
    case RegexFeature::kNegatedGlobalFlag:
      return Explanation{Kind::kPythonRejects,
                         "turning a flag off: Python's re only takes it as (?-i:...)"};
    case RegexFeature::kEmptyMinQuantifier:
      return Explanation{
          Kind::kDifferentMeaning,
          "literal text in PCRE (ivy-c and ivyd), a repetition from 0 in Python's re"};
    case RegexFeature::kVariableLookbehind:
      return Explanation{Kind::kPythonRejects,
                         "lookbehind with alternatives of different lengths: Python's re needs "
                         "one fixed length"};
    case RegexFeature::kNonAsciiInClass:
      return Explanation{
          Kind::kDifferentMeaning,
          "non-ASCII character in a class: PCRE (bytes) takes each byte of it, Python's re the "
          "character"};
    case RegexFeature::kNonAsciiQuantified:
      return Explanation{
          Kind::kDifferentMeaning,
          "quantified non-ASCII character: PCRE (bytes) repeats its last byte, Python's re the "
          "character"};
    case RegexFeature::kPythonNamedGroup:
      return std::nullopt;
  }
  return std::nullopt;
}

bool dot_like(const RegexNode& n) {
  return n.kind == RegexNodeKind::kBytes && n.max == kUnbounded &&
         (n.bytes | byte_set_of('\n')).all();
}

bool sequence_starts_anchored(const RegexSequence& seq, std::size_t from) {
  for (std::size_t i = from; i < seq.size(); ++i) {
    const RegexNode& n = seq[i];
    switch (n.kind) {
      case RegexNodeKind::kAssert:
        if (n.assertion == AssertKind::kStart) return true;
        if (n.assertion == AssertKind::kEnd) return false;
        continue;  // \b and the like: look further
      case RegexNodeKind::kBytes:
        return dot_like(n);
      case RegexNodeKind::kGroup:
        if (n.group == GroupKind::kLookahead || n.group == GroupKind::kLookbehind) continue;
        if (!starts_anchored(n.alternatives)) return false;
        return n.min > 0 || sequence_starts_anchored(seq, i + 1);
      default:
        return false;
    }
  }
  return true;  // nothing consumed: it matches at 0 too
}

}  // namespace

bool starts_anchored(const std::vector<RegexSequence>& alternatives) {
  return std::all_of(alternatives.begin(), alternatives.end(),
                     [](const RegexSequence& seq) { return sequence_starts_anchored(seq, 0); });
}

std::vector<DialectIssue> find_dialect_issues(std::string_view pattern, const RegexSyntax& syntax) {
  std::vector<DialectIssue> out;
  if (!starts_anchored(syntax.alternatives)) {
    out.push_back({Kind::kAnchoring, 0, 0,
                   "not anchored at the start: ivy-c finds it anywhere in the text, ivy-python "
                   "(re.match) only "
                   "at the start"});
  }
  for (const RegexFeatureAt& f : syntax.features) {
    const std::string_view construct = pattern.substr(std::min(f.offset, pattern.size()), f.length);
    const auto explanation = explain(f.feature, construct);
    if (!explanation) continue;
    out.push_back(
        {explanation->kind, f.offset, f.length, std::string(construct) + ": " + explanation->text});
  }
  return out;
}

}  // namespace ivy
