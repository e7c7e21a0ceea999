#include "core/regex_syntax.hpp"

#include <algorithm>
#include <utility>

#include "core/regex_parser.hpp"

namespace ivy {

RegexSyntax RegexParser::run() {
  for (;;) {
    auto alternatives = parse_alternatives();
    out_.alternatives.insert(out_.alternatives.end(), alternatives.begin(), alternatives.end());
    if (at_end()) break;
    ++i_;  // an unbalanced ')': PCRE2 refuses it; go on with the rest
  }
  return std::move(out_);
}

// Extended mode (x): white space and #-comments between items are ignored.
void RegexParser::skip_extended() {
  while (flags_.extended && !at_end()) {
    const char c = peek();
    if (c == ' ' || (c >= '\t' && c <= '\r')) {
      ++i_;
    } else if (c == '#') {
      while (!at_end() && peek() != '\n') ++i_;
    } else {
      break;
    }
  }
}

std::vector<RegexSequence> RegexParser::parse_alternatives() {
  std::vector<RegexSequence> alternatives(1);
  for (skip_extended(); !at_end() && peek() != ')'; skip_extended()) {
    if (peek() == '|') {
      ++i_;
      alternatives.emplace_back();
      continue;
    }
    parse_item(alternatives.back());
  }
  return alternatives;
}

void RegexParser::parse_item(RegexSequence& seq) {
  const std::size_t start = i_;
  const std::size_t before = seq.size();
  parse_atom(seq);
  if (seq.size() == before) return;  // flags, a comment, an empty \Q\E
  only_flags_so_far_ = false;
  RegexNode& last = seq.back();
  if (parse_quantifier(last)) {
    while (parse_quantifier(last)) {
    }
    last.length = i_ - last.offset;
  } else if (last.length == 0) {
    last.length = i_ - std::max(start, last.offset);
  }
}

// {n}, {n,}, {n,m}; false (nothing consumed) if the brace is a literal.
bool RegexParser::parse_braces(int& min, int& max) {
  std::size_t j = i_ + 1;
  auto number = [&](int& value) {
    const std::size_t from = j;
    long long v = 0;
    while (j < p_.size() && regex_is_digit(p_[j])) v = std::min(v * 10 + (p_[j++] - '0'), 65535LL);
    value = static_cast<int>(v);
    return j > from;
  };
  if (j < p_.size() && p_[j] == ',') {
    int m = 0;
    ++j;
    if (number(m) && j < p_.size() && p_[j] == '}') {
      // PCRE2 10.42 (and ivy-c's PCRE 8) read x{,n} as literal text.
      out_.features.push_back({RegexFeature::kEmptyMinQuantifier, i_, j + 1 - i_});
    }
    return false;
  }
  if (!number(min)) return false;
  max = min;
  if (j < p_.size() && p_[j] == ',') {
    ++j;
    if (!number(max)) max = kUnbounded;
  }
  if (j >= p_.size() || p_[j] != '}') return false;
  i_ = j + 1;
  return true;
}

bool RegexParser::parse_quantifier(RegexNode& node) {
  skip_extended();
  const std::size_t at = i_;
  int min = 0;
  int max = 0;
  const char c = peek();
  if (c == '*') {
    min = 0, max = kUnbounded, ++i_;
  } else if (c == '+') {
    min = 1, max = kUnbounded, ++i_;
  } else if (c == '?') {
    min = 0, max = 1, ++i_;
  } else if (c != '{' || !parse_braces(min, max)) {
    return false;
  }
  bool lazy = false;
  bool possessive = false;
  if (peek() == '?') {
    lazy = true, ++i_;
  } else if (peek() == '+') {
    possessive = true, ++i_;
    note(RegexFeature::kPossessive, at);
  }
  if (node.min != 1 || node.max != 1 || node.lazy || node.possessive) {
    // a{2}{3}: PCRE2 refuses it; modelled as a repeated group.
    RegexNode inner = std::move(node);
    node = simple_node(RegexNodeKind::kGroup, inner.offset);
    node.group = GroupKind::kNonCapture;
    node.alternatives = {RegexSequence{std::move(inner)}};
  }
  if (node.kind == RegexNodeKind::kBytes && node.length == 1 &&
      static_cast<unsigned char>(p_[node.offset]) >= 0x80) {
    note(RegexFeature::kNonAsciiQuantified, node.offset);
  }
  node.min = min;
  node.max = max;
  node.lazy = lazy;
  node.possessive = possessive;
  return true;
}

void RegexParser::parse_atom(RegexSequence& seq) {
  const std::size_t at = i_;
  const char c = peek();
  if (c == '(') return parse_group(seq);
  if (c == '[') return seq.push_back(parse_class());
  if (c == '\\') return parse_escape(seq);
  ++i_;
  if (c == '.') return seq.push_back(bytes_node(dot_set(flags_.dotall), at));
  if (c == '^') return seq.push_back(simple_node(RegexNodeKind::kAssert, at, AssertKind::kStart));
  if (c == '$') return seq.push_back(simple_node(RegexNodeKind::kAssert, at, AssertKind::kEnd));
  RegexNode n = bytes_node(literal(static_cast<unsigned char>(c)), at);
  n.length = 1;
  seq.push_back(std::move(n));
}

namespace {

int add_width(int a, int b) {
  return a == kUnbounded || b == kUnbounded ? kUnbounded : std::min(a + b, 1 << 20);
}
int times_width(int a, int n) {
  if (a == 0 || n == 0) return 0;
  return a == kUnbounded || n == kUnbounded ? kUnbounded
                                            : std::min(static_cast<long long>(a) * n, 1LL << 20);
}

RegexWidth node_width(const RegexNode& n) {
  RegexWidth w;
  switch (n.kind) {
    case RegexNodeKind::kBytes:
      w = {1, 1};
      break;
    case RegexNodeKind::kAssert:
      w = {0, 0};
      break;
    case RegexNodeKind::kBackref:
    case RegexNodeKind::kOpaque:
      w = {0, kUnbounded};
      break;
    case RegexNodeKind::kGroup:
      if (n.group == GroupKind::kLookahead || n.group == GroupKind::kLookbehind) break;
      for (std::size_t k = 0; k < n.alternatives.size(); ++k) {
        const RegexWidth a = regex_width(n.alternatives[k]);
        if (k == 0) {
          w = a;
          continue;
        }
        w.min = std::min(w.min, a.min);
        w.max = w.max == kUnbounded || a.max == kUnbounded ? kUnbounded : std::max(w.max, a.max);
      }
      break;
  }
  return {times_width(w.min, n.min), times_width(w.max, n.max)};
}

}  // namespace

RegexSyntax parse_regex_syntax(std::string_view pattern) { return RegexParser(pattern).run(); }

RegexWidth regex_width(const RegexSequence& sequence) {
  RegexWidth total;
  for (const RegexNode& n : sequence) {
    const RegexWidth w = node_width(n);
    total.min = add_width(total.min, w.min);
    total.max = add_width(total.max, w.max);
  }
  return total;
}

}  // namespace ivy
