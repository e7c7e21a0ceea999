// RegexParser: escapes and character classes (see regex_parser.hpp).
#include <cctype>
#include <optional>

#include "core/regex_parser.hpp"

namespace ivy {
namespace {

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
unsigned hex_value(char c) {
  if (regex_is_digit(c)) return static_cast<unsigned>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<unsigned>(c - 'A' + 10);
  return 0;
}

}  // namespace

// A character escape's byte (\n, \x41, \101, \cA ...) at i_ (after the
// backslash); nullopt if the escape is not a character.
std::optional<unsigned char> RegexParser::escaped_byte(bool in_class) {
  const std::size_t at = i_ - 1;
  const char e = peek();
  auto plain = [&](unsigned char b) {
    ++i_;
    return std::optional<unsigned char>(b);
  };
  switch (e) {
    case 'a':
      return plain(7);
    case 'f':
      return plain('\f');
    case 'n':
      return plain('\n');
    case 'r':
      return plain('\r');
    case 't':
      return plain('\t');
    case 'e': {
      auto b = plain(27);
      note(RegexFeature::kPcreOnlyEscape, at);
      return b;
    }
    case 'b':
      if (in_class) return plain('\b');
      return std::nullopt;
    default:
      break;
  }
  if (e == 'x') return hex_escape(at);
  if (e == 'o' && peek(1) == '{') return braced_number(at, 8, RegexFeature::kPcreOnlyEscape);
  if (e == 'c' && i_ + 1 < p_.size()) {
    i_ += 2;
    note(RegexFeature::kPcreOnlyEscape, at);
    return static_cast<unsigned char>(std::toupper(static_cast<unsigned char>(p_[i_ - 1])) ^ 0x40);
  }
  if (e == '0' || (in_class && regex_is_octal(e))) {
    unsigned value = 0;
    for (int k = 0; k < 3 && regex_is_octal(peek()); ++k)
      value = value * 8 + static_cast<unsigned>(peek() - '0'), ++i_;
    return static_cast<unsigned char>(value);
  }
  return std::nullopt;
}

std::optional<unsigned char> RegexParser::hex_escape(std::size_t at) {
  if (peek(1) == '{') return braced_number(at, 16, RegexFeature::kBraceHex);
  ++i_;  // the x
  unsigned value = 0;
  int digits = 0;
  for (; digits < 2 && is_hex(peek()); ++digits, ++i_) value = value * 16 + hex_value(peek());
  if (digits < 2) note(RegexFeature::kShortHex, at);
  return static_cast<unsigned char>(value);
}

std::optional<unsigned char> RegexParser::braced_number(std::size_t at, int base,
                                                        RegexFeature feature) {
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

void RegexParser::parse_escape(RegexSequence& seq) {
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
    case 'B':
      return seq.push_back(simple_node(RegexNodeKind::kAssert, at));
    case 'A':
      return seq.push_back(simple_node(RegexNodeKind::kAssert, at, AssertKind::kStart));
    case 'Z':
      return seq.push_back(simple_node(RegexNodeKind::kAssert, at, AssertKind::kEnd));
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
    case 'P':
      return unicode_escape(seq, at, e);
    case 'g':
    case 'k':
      return named_reference(seq, at, e);
    case 'Q':
      return quoted(seq, at);
    case 'E':
      return note(RegexFeature::kPcreOnlyEscape, at);  // a stray \E is ignored by PCRE2
    default:
      break;
  }
  if (regex_is_digit(e)) return numbered_reference(seq, at);
  seq.push_back(bytes_node(literal(static_cast<unsigned char>(e)), at));
}

void RegexParser::unicode_escape(RegexSequence& seq, std::size_t at, char e) {
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
void RegexParser::numbered_reference(RegexSequence& seq, std::size_t at) {
  i_ = at + 1;
  const std::size_t from = i_;
  int value = 0;
  while (regex_is_digit(peek()) && value < 10000) value = value * 10 + (peek() - '0'), ++i_;
  if (value < 10 || value <= out_.capture_groups) {
    return seq.push_back(simple_node(RegexNodeKind::kBackref, at));
  }
  i_ = from;
  unsigned octal = 0;
  for (int k = 0; k < 3 && regex_is_octal(peek()); ++k)
    octal = octal * 8 + static_cast<unsigned>(peek() - '0'), ++i_;
  if (i_ == from) ++i_;  // \8 or \9 with no such group: a literal digit
  seq.push_back(bytes_node(literal(static_cast<unsigned char>(octal)), at));
}

// \g{n} \g{-n} \gn \g{name} \k<name> \k'name' \k{name}: back-references;
// \g<n> \g'n': subroutine calls.
void RegexParser::named_reference(RegexSequence& seq, std::size_t at, char e) {
  const char open = peek();
  const char close = open == '{' ? '}' : open == '<' ? '>' : open == '\'' ? '\'' : '\0';
  if (close != '\0') {
    ++i_;
    while (!at_end() && peek() != close) ++i_;
    if (!at_end()) ++i_;
  } else {
    if (peek() == '-' || peek() == '+') ++i_;
    while (regex_is_digit(peek())) ++i_;
  }
  if (e == 'g' && (open == '<' || open == '\'')) {
    note(RegexFeature::kRecursion, at);
    return seq.push_back(simple_node(RegexNodeKind::kOpaque, at));
  }
  note(RegexFeature::kPcreOnlyEscape, at);
  seq.push_back(simple_node(RegexNodeKind::kBackref, at));
}

// \Q...\E: literal text; a quantifier after it applies to its last byte.
void RegexParser::quoted(RegexSequence& seq, std::size_t at) {
  while (!at_end() && !next_is("\\E")) {
    RegexNode n = bytes_node(literal(static_cast<unsigned char>(peek())), i_);
    n.length = 1;
    seq.push_back(std::move(n));
    ++i_;
  }
  if (!at_end()) i_ += 2;
  note(RegexFeature::kQuoting, at);
}

RegexNode RegexParser::parse_class() {
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
std::optional<unsigned char> RegexParser::class_member(ByteSet& set, bool& non_ascii) {
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

}  // namespace ivy
