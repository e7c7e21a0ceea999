#pragma once
// RegexParser: the recursive-descent parser behind parse_regex_syntax()
// (regex_syntax.hpp). Private to core/: regex_syntax.cpp (the driver, items,
// quantifiers), regex_syntax_escapes.cpp (escapes and classes) and
// regex_syntax_groups.cpp (groups, flags). Every construct consumes at least
// one byte, so a parse always ends; anything unexpected becomes a literal.

#include <cctype>
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "core/regex_syntax.hpp"

namespace ivy {

// The flags that change what an item matches, scoped to their group.
struct RegexFlags {
  bool caseless = false;
  bool dotall = false;
  bool extended = false;
};

inline bool regex_is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool regex_is_octal(char c) { return c >= '0' && c <= '7'; }

class RegexParser {
 public:
  explicit RegexParser(std::string_view pattern) : p_(pattern) {}

  RegexSyntax run();

 private:
  bool at_end() const { return i_ >= p_.size(); }
  char peek(std::size_t k = 0) const { return i_ + k < p_.size() ? p_[i_ + k] : '\0'; }
  bool next_is(std::string_view s) const { return p_.substr(i_).substr(0, s.size()) == s; }
  void note(RegexFeature f, std::size_t offset) {
    out_.features.push_back({f, offset, i_ - offset});
  }
  ByteSet literal(unsigned char c) const {
    return flags_.caseless ? fold_case(byte_set_of(c)) : byte_set_of(c);
  }

  static RegexNode bytes_node(const ByteSet& set, std::size_t offset) {
    RegexNode n;
    n.kind = RegexNodeKind::kBytes;
    n.bytes = set;
    n.offset = offset;
    return n;
  }
  static RegexNode simple_node(RegexNodeKind kind, std::size_t offset,
                               AssertKind a = AssertKind::kOther) {
    RegexNode n;
    n.kind = kind;
    n.offset = offset;
    n.assertion = a;
    return n;
  }

  // Extended mode (x): white space and #-comments between items are ignored.
  void skip_extended();
  std::vector<RegexSequence> parse_alternatives();
  void parse_item(RegexSequence& seq);
  // {n}, {n,}, {n,m}; false (nothing consumed) if the brace is a literal.
  bool parse_braces(int& min, int& max);
  bool parse_quantifier(RegexNode& node);
  void parse_atom(RegexSequence& seq);

  // --- regex_syntax_escapes.cpp
  // A character escape's byte (\n, \x41, \101, \cA ...) at i_ (after the
  // backslash); nullopt if the escape is not a character.
  std::optional<unsigned char> escaped_byte(bool in_class);
  std::optional<unsigned char> hex_escape(std::size_t at);
  std::optional<unsigned char> braced_number(std::size_t at, int base, RegexFeature feature);
  void parse_escape(RegexSequence& seq);
  void unicode_escape(RegexSequence& seq, std::size_t at, char e);
  // \1 .. \9 are back-references; \10 and up are when that many groups exist,
  // else octal (PCRE2's rule, counting the groups opened so far).
  void numbered_reference(RegexSequence& seq, std::size_t at);
  // \g{n} \g{-n} \gn \g{name} \k<name> \k'name' \k{name}: back-references;
  // \g<n> \g'n': subroutine calls.
  void named_reference(RegexSequence& seq, std::size_t at, char e);
  // \Q...\E: literal text; a quantifier after it applies to its last byte.
  void quoted(RegexSequence& seq, std::size_t at);
  RegexNode parse_class();
  // One member at i_: adds it to `set`; returns its byte if it is a single
  // byte (so it can start a range).
  std::optional<unsigned char> class_member(ByteSet& set, bool& non_ascii);

  // --- regex_syntax_groups.cpp
  void parse_group(RegexSequence& seq);
  void skip_to_close();
  // (*VERB), (*UTF) ...; PCRE2's alphabetic assertions (*pla: ...) are groups.
  void parse_verb(RegexSequence& seq, std::size_t at);
  RegexNode lookbehind(std::size_t at);
  void named_group(RegexSequence& seq, std::size_t at, char close);
  // (?P<name>...), (?P=name), (?P>name).
  void python_group(RegexSequence& seq, std::size_t at);
  // (?(cond)yes|no). Python takes a group number or a bare name as cond.
  RegexNode conditional(std::size_t at);
  // (?flags) or (?flags:...). Letters: i m s x n U J X, xx, ^ and -.
  void parse_flags(RegexSequence& seq, std::size_t at);
  // The alternatives up to the matching ')', which it consumes. Flags set
  // inside end with the group.
  RegexNode group_body(std::size_t at, GroupKind kind, bool capturing = false);

  std::string_view p_;
  std::size_t i_ = 0;
  RegexFlags flags_;
  bool only_flags_so_far_ = true;
  RegexSyntax out_;
};

}  // namespace ivy
