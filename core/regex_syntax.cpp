#include "core/regex_syntax.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>

namespace ivy {
namespace {

struct Flags {
  bool caseless = false;
  bool dotall = false;
  bool extended = false;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool is_octal(char c) { return c >= '0' && c <= '7'; }
unsigned hex_value(char c) {
  if (is_digit(c)) return static_cast<unsigned>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<unsigned>(c - 'A' + 10);
  return 0;
}
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

// Recursive-descent over PCRE2 syntax. Every construct consumes at least one
// byte, so the parse always ends; anything unexpected becomes a literal.
class Parser {
 public:
  explicit Parser(std::string_view pattern) : p_(pattern) {}

  RegexSyntax run() {
    for (;;) {
      auto alternatives = parse_alternatives();
      out_.alternatives.insert(out_.alternatives.end(), alternatives.begin(), alternatives.end());
      if (at_end()) break;
      ++i_;  // an unbalanced ')': PCRE2 refuses it; go on with the rest
    }
    return std::move(out_);
  }

 private:
  bool at_end() const { return i_ >= p_.size(); }
  char peek(std::size_t k = 0) const { return i_ + k < p_.size() ? p_[i_ + k] : '\0'; }
  bool next_is(std::string_view s) const { return p_.substr(i_).substr(0, s.size()) == s; }
  void note(RegexFeature f, std::size_t offset) { out_.features.push_back({f, offset, i_ - offset}); }
  ByteSet literal(unsigned char c) const { return flags_.caseless ? fold_case(byte_set_of(c)) : byte_set_of(c); }

  static RegexNode bytes_node(const ByteSet& set, std::size_t offset) {
    RegexNode n;
    n.kind = RegexNodeKind::kBytes;
    n.bytes = set;
    n.offset = offset;
    return n;
  }
  static RegexNode simple_node(RegexNodeKind kind, std::size_t offset, AssertKind a = AssertKind::kOther) {
    RegexNode n;
    n.kind = kind;
    n.offset = offset;
    n.assertion = a;
    return n;
  }

  // Extended mode (x): white space and #-comments between items are ignored.
  void skip_extended() {
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

  std::vector<RegexSequence> parse_alternatives() {
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

  void parse_item(RegexSequence& seq) {
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

  // --- quantifiers -------------------------------------------------------------------

  // {n}, {n,}, {n,m}; false (nothing consumed) if the brace is a literal.
  bool parse_braces(int& min, int& max) {
    std::size_t j = i_ + 1;
    auto number = [&](int& value) {
      const std::size_t from = j;
      long long v = 0;
      while (j < p_.size() && is_digit(p_[j])) v = std::min(v * 10 + (p_[j++] - '0'), 65535LL);
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

  bool parse_quantifier(RegexNode& node) {
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

  // --- atoms -------------------------------------------------------------------------

  void parse_atom(RegexSequence& seq) {
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

  // A character escape's byte (\n, \x41, \101, \cA ...) at i_ (after the
  // backslash); nullopt if the escape is not a character.
  std::optional<unsigned char> escaped_byte(bool in_class) {
    const std::size_t at = i_ - 1;
    const char e = peek();
    auto plain = [&](unsigned char b) {
      ++i_;
      return std::optional<unsigned char>(b);
    };
    switch (e) {
      case 'a': return plain(7);
      case 'f': return plain('\f');
      case 'n': return plain('\n');
      case 'r': return plain('\r');
      case 't': return plain('\t');
      case 'e': {
        auto b = plain(27);
        note(RegexFeature::kPcreOnlyEscape, at);
        return b;
      }
      case 'b':
        if (in_class) return plain('\b');
        return std::nullopt;
      default: break;
    }
    if (e == 'x') return hex_escape(at);
    if (e == 'o' && peek(1) == '{') return braced_number(at, 8, RegexFeature::kPcreOnlyEscape);
    if (e == 'c' && i_ + 1 < p_.size()) {
      i_ += 2;
      note(RegexFeature::kPcreOnlyEscape, at);
      return static_cast<unsigned char>(std::toupper(static_cast<unsigned char>(p_[i_ - 1])) ^ 0x40);
    }
    if (e == '0' || (in_class && is_octal(e))) {
      unsigned value = 0;
      for (int k = 0; k < 3 && is_octal(peek()); ++k) value = value * 8 + static_cast<unsigned>(peek() - '0'), ++i_;
      return static_cast<unsigned char>(value);
    }
    return std::nullopt;
  }

  std::optional<unsigned char> hex_escape(std::size_t at) {
    if (peek(1) == '{') return braced_number(at, 16, RegexFeature::kBraceHex);
    ++i_;  // the x
    unsigned value = 0;
    int digits = 0;
    for (; digits < 2 && is_hex(peek()); ++digits, ++i_) value = value * 16 + hex_value(peek());
    if (digits < 2) note(RegexFeature::kShortHex, at);
    return static_cast<unsigned char>(value);
  }

  std::optional<unsigned char> braced_number(std::size_t at, int base, RegexFeature feature) {
    i_ += 2;  // the letter and '{'
    unsigned value = 0;
    while (!at_end() && peek() != '}') {
      value = (value * static_cast<unsigned>(base) + hex_value(peek())) & 0xFFFF;
      ++i_;
    }
    if (!at_end()) ++i_;
    note(feature, at);
    return static_cast<unsigned char>(value & 0xFF);
  }

  void parse_escape(RegexSequence& seq) {
    const std::size_t at = i_++;
    if (at_end()) return seq.push_back(bytes_node(literal('\\'), at));
    if (auto byte = escaped_byte(false)) return seq.push_back(bytes_node(literal(*byte), at));
    const char e = peek();
    ++i_;
    if (auto set = class_escape_set(e)) {
      if (e == 'h' || e == 'H' || e == 'N') note(RegexFeature::kPcreOnlyEscape, at);
      if (e == 'v' || e == 'V') note(RegexFeature::kVerticalSpaceEscape, at);
      return seq.push_back(bytes_node(*set, at));
    }
    switch (e) {
      case 'b':
      case 'B': return seq.push_back(simple_node(RegexNodeKind::kAssert, at));
      case 'A': return seq.push_back(simple_node(RegexNodeKind::kAssert, at, AssertKind::kStart));
      case 'Z': return seq.push_back(simple_node(RegexNodeKind::kAssert, at, AssertKind::kEnd));
      case 'z':
        note(RegexFeature::kPcreOnlyEscape, at);
        return seq.push_back(simple_node(RegexNodeKind::kAssert, at, AssertKind::kEnd));
      case 'G':
      case 'K':
        note(RegexFeature::kPcreOnlyEscape, at);
        return seq.push_back(simple_node(RegexNodeKind::kAssert, at));
      case 'R':
        note(RegexFeature::kPcreOnlyEscape, at);
        return seq.push_back(bytes_node(*class_escape_set('v'), at));
      case 'C':
        note(RegexFeature::kPcreOnlyEscape, at);
        return seq.push_back(bytes_node(~ByteSet(), at));
      case 'X':
      case 'p':
      case 'P': return unicode_escape(seq, at, e);
      case 'g':
      case 'k': return named_reference(seq, at, e);
      case 'Q': return quoted(seq, at);
      case 'E': return note(RegexFeature::kPcreOnlyEscape, at);  // a stray \E is ignored by PCRE2
      default: break;
    }
    if (is_digit(e)) return numbered_reference(seq, at);
    seq.push_back(bytes_node(literal(static_cast<unsigned char>(e)), at));
  }

  void unicode_escape(RegexSequence& seq, std::size_t at, char e) {
    if (e != 'X') {
      if (peek() == '{') {
        while (!at_end() && peek() != '}') ++i_;
        if (!at_end()) ++i_;
      } else if (!at_end()) {
        ++i_;
      }
    }
    note(RegexFeature::kPcreOnlyEscape, at);
    // One character of a class this model does not know: any byte.
    seq.push_back(bytes_node(~ByteSet(), at));
  }

  // \1 .. \9 are back-references; \10 and up are when that many groups exist,
  // else octal (PCRE2's rule, counting the groups opened so far).
  void numbered_reference(RegexSequence& seq, std::size_t at) {
    i_ = at + 1;
    const std::size_t from = i_;
    int value = 0;
    while (is_digit(peek()) && value < 10000) value = value * 10 + (peek() - '0'), ++i_;
    if (value < 10 || value <= out_.capture_groups) {
      return seq.push_back(simple_node(RegexNodeKind::kBackref, at));
    }
    i_ = from;
    unsigned octal = 0;
    for (int k = 0; k < 3 && is_octal(peek()); ++k) octal = octal * 8 + static_cast<unsigned>(peek() - '0'), ++i_;
    if (i_ == from) ++i_;  // \8 or \9 with no such group: a literal digit
    seq.push_back(bytes_node(literal(static_cast<unsigned char>(octal)), at));
  }

  // \g{n} \g{-n} \gn \g{name} \k<name> \k'name' \k{name}: back-references;
  // \g<n> \g'n': subroutine calls.
  void named_reference(RegexSequence& seq, std::size_t at, char e) {
    const char open = peek();
    const char close = open == '{' ? '}' : open == '<' ? '>' : open == '\'' ? '\'' : '\0';
    if (close != '\0') {
      ++i_;
      while (!at_end() && peek() != close) ++i_;
      if (!at_end()) ++i_;
    } else {
      if (peek() == '-' || peek() == '+') ++i_;
      while (is_digit(peek())) ++i_;
    }
    if (e == 'g' && (open == '<' || open == '\'')) {
      note(RegexFeature::kRecursion, at);
      return seq.push_back(simple_node(RegexNodeKind::kOpaque, at));
    }
    note(RegexFeature::kPcreOnlyEscape, at);
    seq.push_back(simple_node(RegexNodeKind::kBackref, at));
  }

  // \Q...\E: literal text; a quantifier after it applies to its last byte.
  void quoted(RegexSequence& seq, std::size_t at) {
    while (!at_end() && !next_is("\\E")) {
      RegexNode n = bytes_node(literal(static_cast<unsigned char>(peek())), i_);
      n.length = 1;
      seq.push_back(std::move(n));
      ++i_;
    }
    if (!at_end()) i_ += 2;
    note(RegexFeature::kQuoting, at);
  }

  // --- classes -----------------------------------------------------------------------

  RegexNode parse_class() {
    const std::size_t at = i_++;
    const bool negate = peek() == '^';
    if (negate) ++i_;
    ByteSet set;
    bool non_ascii = false;
    bool first = true;
    while (!at_end() && (peek() != ']' || first)) {
      first = false;
      std::optional<unsigned char> low = class_member(set, non_ascii);
      if (!low || peek() != '-' || peek(1) == ']' || i_ + 1 >= p_.size()) continue;
      ++i_;  // '-'
      ByteSet ignored;
      std::optional<unsigned char> high = class_member(ignored, non_ascii);
      if (high && *high >= *low) {
        set |= byte_range(*low, *high);
      } else {  // [a-\d] and the like: PCRE2 refuses; keep what is there
        set.set('-');
        set |= ignored;
      }
    }
    if (!at_end()) ++i_;  // ']'
    if (non_ascii) out_.features.push_back({RegexFeature::kNonAsciiInClass, at, i_ - at});
    if (flags_.caseless) set = fold_case(set);
    RegexNode n = bytes_node(negate ? ~set : set, at);
    n.length = i_ - at;
    return n;
  }

  // One member at i_: adds it to `set`; returns its byte if it is a single
  // byte (so it can start a range).
  std::optional<unsigned char> class_member(ByteSet& set, bool& non_ascii) {
    const std::size_t at = i_;
    if (next_is("[:") || next_is("[=") || next_is("[.")) {
      const auto end = p_.find(":]", i_ + 2);
      if (p_[i_ + 1] == ':' && end != std::string_view::npos) {
        std::string_view name = p_.substr(i_ + 2, end - i_ - 2);
        const bool negated = !name.empty() && name[0] == '^';
        if (negated) name.remove_prefix(1);
        i_ = end + 2;
        note(RegexFeature::kPosixClass, at);
        if (auto s = posix_class_set(name)) set |= negated ? ~*s : *s;
        return std::nullopt;
      }
    }
    if (peek() == '\\' && i_ + 1 < p_.size()) {
      ++i_;
      if (auto byte = escaped_byte(true)) {
        set.set(*byte);
        return byte;
      }
      const char e = peek();
      ++i_;
      if (auto s = class_escape_set(e)) {
        if (e == 'h' || e == 'H') note(RegexFeature::kPcreOnlyEscape, at);
        if (e == 'v' || e == 'V') note(RegexFeature::kVerticalSpaceEscape, at);
        set |= *s;
        return std::nullopt;
      }
      if (e == 'Q') {
        while (!at_end() && !next_is("\\E")) set.set(static_cast<unsigned char>(p_[i_++]));
        if (!at_end()) i_ += 2;
        note(RegexFeature::kQuoting, at);
        return std::nullopt;
      }
      if (e == 'E') return std::nullopt;
      if (e == 'p' || e == 'P') {
        if (peek() == '{') {
          while (!at_end() && peek() != '}') ++i_;
        }
        if (!at_end()) ++i_;
        note(RegexFeature::kPcreOnlyEscape, at);
        set = ~ByteSet();
        return std::nullopt;
      }
      set.set(static_cast<unsigned char>(e));
      return static_cast<unsigned char>(e);
    }
    const auto byte = static_cast<unsigned char>(p_[i_++]);
    if (byte >= 0x80) non_ascii = true;
    set.set(byte);
    return byte;
  }

  // --- groups ------------------------------------------------------------------------

  void parse_group(RegexSequence& seq) {
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
    static const std::pair<char, GroupKind> kPlain[] = {{':', GroupKind::kNonCapture}, {'>', GroupKind::kAtomic},
                                                       {'=', GroupKind::kLookahead},   {'!', GroupKind::kLookahead},
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
    if (c == 'R' || c == '&' || c == '+' || is_digit(c) || (c == '-' && is_digit(peek(1)))) {
      skip_to_close();
      note(RegexFeature::kRecursion, at);
      return seq.push_back(simple_node(RegexNodeKind::kOpaque, at));
    }
    parse_flags(seq, at);
  }

  void skip_to_close() {
    while (!at_end() && peek() != ')') ++i_;
    if (!at_end()) ++i_;
  }

  // (*VERB), (*UTF) ...; PCRE2's alphabetic assertions (*pla: ...) are groups.
  void parse_verb(RegexSequence& seq, std::size_t at) {
    static const std::pair<std::string_view, GroupKind> kAlpha[] = {
        {"*pla:", GroupKind::kLookahead},  {"*nla:", GroupKind::kLookahead},  {"*plb:", GroupKind::kLookbehind},
        {"*nlb:", GroupKind::kLookbehind}, {"*atomic:", GroupKind::kAtomic},   {"*positive_lookahead:", GroupKind::kLookahead},
        {"*negative_lookahead:", GroupKind::kLookahead}, {"*positive_lookbehind:", GroupKind::kLookbehind},
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

  RegexNode lookbehind(std::size_t at) {
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

  void named_group(RegexSequence& seq, std::size_t at, char close) {
    ++i_;
    while (!at_end() && peek() != close) ++i_;
    if (!at_end()) ++i_;
    note(RegexFeature::kAngleNamedGroup, at);
    seq.push_back(group_body(at, GroupKind::kCapture, true));
  }

  // (?P<name>...), (?P=name), (?P>name).
  void python_group(RegexSequence& seq, std::size_t at) {
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
  RegexNode conditional(std::size_t at) {
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
      const bool python_ok = !cond.empty() && (std::all_of(cond.begin(), cond.end(), is_digit) ||
                                               (!is_digit(cond[0]) && std::all_of(cond.begin(), cond.end(), is_name_char) &&
                                                cond != "DEFINE" && cond[0] != 'R'));
      if (!python_ok) note(RegexFeature::kPcreOnlyCondition, at);
      if (!at_end()) ++i_;
    }
    return group_body(at, GroupKind::kConditional);
  }

  // (?flags) or (?flags:...). Letters: i m s x n U J X, xx, ^ and -.
  void parse_flags(RegexSequence& seq, std::size_t at) {
    Flags flags = flags_;
    bool on = true;
    bool negated = false;
    bool pcre_only = false;
    while (!at_end() && peek() != ')' && peek() != ':') {
      const char f = peek();
      ++i_;
      if (f == '-') {
        on = false, negated = true;
      } else if (f == '^') {
        flags = Flags{}, pcre_only = true;
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
      const Flags outer = flags_;
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
  RegexNode group_body(std::size_t at, GroupKind kind, bool capturing = false) {
    if (capturing) ++out_.capture_groups;
    const Flags outer = flags_;
    only_flags_so_far_ = false;
    RegexNode n = simple_node(RegexNodeKind::kGroup, at);
    n.group = kind;
    n.alternatives = parse_alternatives();
    if (!at_end()) ++i_;
    flags_ = outer;
    n.length = i_ - at;
    return n;
  }

  std::string_view p_;
  std::size_t i_ = 0;
  Flags flags_;
  bool only_flags_so_far_ = true;
  RegexSyntax out_;
};

int add_width(int a, int b) { return a == kUnbounded || b == kUnbounded ? kUnbounded : std::min(a + b, 1 << 20); }
int times_width(int a, int n) {
  if (a == 0 || n == 0) return 0;
  return a == kUnbounded || n == kUnbounded ? kUnbounded : std::min(static_cast<long long>(a) * n, 1LL << 20);
}

RegexWidth node_width(const RegexNode& n) {
  RegexWidth w;
  switch (n.kind) {
    case RegexNodeKind::kBytes: w = {1, 1}; break;
    case RegexNodeKind::kAssert: w = {0, 0}; break;
    case RegexNodeKind::kBackref:
    case RegexNodeKind::kOpaque: w = {0, kUnbounded}; break;
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

RegexSyntax parse_regex_syntax(std::string_view pattern) { return Parser(pattern).run(); }

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
