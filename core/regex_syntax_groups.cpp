// RegexParser: groups of every kind and inline flags (see regex_parser.hpp).
#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>

#include "core/regex_parser.hpp"

namespace ivy {
namespace {

bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

}  // namespace

void RegexParser::parse_group(RegexSequence& seq) {
  const std::size_t at = i_++;
  if (peek() == '*') return parse_verb(seq, at);
  if (peek() != '?') return seq.push_back(group_body(at, GroupKind::kCapture, true));
  ++i_;
  const char c = peek();
  if (c == '#') return skip_to_close();
  if (next_is("<=") || next_is("<!")) {
    i_ += 2;
    return seq.push_back(lookbehind(at));
  }
  static const std::pair<char, GroupKind> kPlain[] = {{':', GroupKind::kNonCapture},
                                                      {'>', GroupKind::kAtomic},
                                                      {'=', GroupKind::kLookahead},
                                                      {'!', GroupKind::kLookahead},
                                                      {'|', GroupKind::kBranchReset}};
  for (const auto& [opener, kind] : kPlain) {
    if (c != opener) continue;
    ++i_;
    if (kind == GroupKind::kAtomic) note(RegexFeature::kAtomicGroup, at);
    if (kind == GroupKind::kBranchReset) note(RegexFeature::kBranchReset, at);
    return seq.push_back(group_body(at, kind));
  }
  if (c == '<' || c == '\'') return named_group(seq, at, c == '<' ? '>' : '\'');
  if (c == 'P') return python_group(seq, at);
  if (c == '(') return seq.push_back(conditional(at));
  if (c == 'C') {
    skip_to_close();
    return note(RegexFeature::kCallout, at);
  }
  if (c == 'R' || c == '&' || c == '+' || regex_is_digit(c) ||
      (c == '-' && regex_is_digit(peek(1)))) {
    skip_to_close();
    note(RegexFeature::kRecursion, at);
    return seq.push_back(simple_node(RegexNodeKind::kOpaque, at));
  }
  parse_flags(seq, at);
}

void RegexParser::skip_to_close() {
  while (!at_end() && peek() != ')') ++i_;
  if (!at_end()) ++i_;
}

// (*VERB), (*UTF) ...; PCRE2's alphabetic assertions (*pla: ...) are groups.
void RegexParser::parse_verb(RegexSequence& seq, std::size_t at) {
  static const std::pair<std::string_view, GroupKind> kAlpha[] = {
      {"*pla:", GroupKind::kLookahead},
      {"*nla:", GroupKind::kLookahead},
      {"*plb:", GroupKind::kLookbehind},
      {"*nlb:", GroupKind::kLookbehind},
      {"*atomic:", GroupKind::kAtomic},
      {"*positive_lookahead:", GroupKind::kLookahead},
      {"*negative_lookahead:", GroupKind::kLookahead},
      {"*positive_lookbehind:", GroupKind::kLookbehind},
      {"*negative_lookbehind:", GroupKind::kLookbehind}};
  note(RegexFeature::kVerb, at);
  for (const auto& [name, kind] : kAlpha) {
    if (next_is(name)) {
      i_ += name.size();
      return seq.push_back(group_body(at, kind));
    }
  }
  skip_to_close();
  seq.push_back(simple_node(RegexNodeKind::kOpaque, at));
}

RegexNode RegexParser::lookbehind(std::size_t at) {
  RegexNode n = group_body(at, GroupKind::kLookbehind);
  std::optional<RegexWidth> width;
  bool variable = false;
  for (const auto& alternative : n.alternatives) {
    const RegexWidth w = regex_width(alternative);
    variable = variable || w.min != w.max || (width && width->min != w.min);
    width = w;
  }
  if (variable) out_.features.push_back({RegexFeature::kVariableLookbehind, at, n.length});
  return n;
}

void RegexParser::named_group(RegexSequence& seq, std::size_t at, char close) {
  ++i_;
  while (!at_end() && peek() != close) ++i_;
  if (!at_end()) ++i_;
  note(RegexFeature::kAngleNamedGroup, at);
  seq.push_back(group_body(at, GroupKind::kCapture, true));
}

// (?P<name>...), (?P=name), (?P>name).
void RegexParser::python_group(RegexSequence& seq, std::size_t at) {
  const char kind = peek(1);
  if (kind == '<') {
    i_ += 2;
    while (!at_end() && peek() != '>') ++i_;
    if (!at_end()) ++i_;
    note(RegexFeature::kPythonNamedGroup, at);
    return seq.push_back(group_body(at, GroupKind::kCapture, true));
  }
  skip_to_close();
  if (kind == '=') return seq.push_back(simple_node(RegexNodeKind::kBackref, at));
  note(RegexFeature::kRecursion, at);
  seq.push_back(simple_node(RegexNodeKind::kOpaque, at));
}

// (?(cond)yes|no). Python takes a group number or a bare name as cond.
RegexNode RegexParser::conditional(std::size_t at) {
  ++i_;  // '('
  if (peek() == '?' || (peek() == '*')) {
    RegexSequence condition;
    --i_;
    parse_group(condition);  // an assertion: parse it so the parentheses stay balanced
    note(RegexFeature::kPcreOnlyCondition, at);
  } else {
    const std::size_t from = i_;
    while (!at_end() && peek() != ')') ++i_;
    const std::string_view cond = p_.substr(from, i_ - from);
    const bool python_ok =
        !cond.empty() &&
        (std::all_of(cond.begin(), cond.end(), regex_is_digit) ||
         (!regex_is_digit(cond[0]) && std::all_of(cond.begin(), cond.end(), is_name_char) &&
          cond != "DEFINE" && cond[0] != 'R'));
    if (!python_ok) note(RegexFeature::kPcreOnlyCondition, at);
    if (!at_end()) ++i_;
  }
  return group_body(at, GroupKind::kConditional);
}

// (?flags) or (?flags:...). Letters: i m s x n U J X, xx, ^ and -.
void RegexParser::parse_flags(RegexSequence& seq, std::size_t at) {
  RegexFlags flags = flags_;
  bool on = true;
  bool negated = false;
  bool pcre_only = false;
  while (!at_end() && peek() != ')' && peek() != ':') {
    const char f = peek();
    ++i_;
    if (f == '-') {
      on = false, negated = true;
    } else if (f == '^') {
      flags = RegexFlags{}, pcre_only = true;
    } else if (f == 'i') {
      flags.caseless = on;
    } else if (f == 's') {
      flags.dotall = on;
    } else if (f == 'x') {
      pcre_only = pcre_only || peek() == 'x';
      flags.extended = on;
    } else if (f == 'm') {
    } else {
      pcre_only = true;  // n U J X, or letters PCRE2 refuses anyway
    }
  }
  if (pcre_only) note(RegexFeature::kPcreOnlyFlag, at);
  if (peek() == ':') {
    ++i_;
    const RegexFlags outer = flags_;
    flags_ = flags;
    RegexNode n = group_body(at, GroupKind::kNonCapture);
    flags_ = outer;
    return seq.push_back(std::move(n));
  }
  if (!at_end()) ++i_;
  if (negated) note(RegexFeature::kNegatedGlobalFlag, at);
  if (!only_flags_so_far_) note(RegexFeature::kMidPatternFlags, at);
  flags_ = flags;  // to the end of the enclosing group
}

// The alternatives up to the matching ')', which it consumes. Flags set
// inside end with the group.
RegexNode RegexParser::group_body(std::size_t at, GroupKind kind, bool capturing) {
  if (capturing) ++out_.capture_groups;
  const RegexFlags outer = flags_;
  only_flags_so_far_ = false;
  RegexNode n = simple_node(RegexNodeKind::kGroup, at);
  n.group = kind;
  n.alternatives = parse_alternatives();
  if (!at_end()) ++i_;
  flags_ = outer;
  n.length = i_ - at;
  return n;
}

}  // namespace ivy
