#include "core/byte_set.hpp"

#include <string_view>

namespace ivy {
namespace {

ByteSet from_chars(std::string_view chars) {
  ByteSet s;
  for (unsigned char c : chars) s.set(c);
  return s;
}

ByteSet digits() { return byte_range('0', '9'); }
ByteSet upper() { return byte_range('A', 'Z'); }
ByteSet lower() { return byte_range('a', 'z'); }
ByteSet word() { return digits() | upper() | lower() | byte_set_of('_'); }
// PCRE2 (since 8.34, like Perl 5.18) counts VT as white space.
ByteSet space() { return from_chars(" \t\n\v\f\r"); }
// In byte mode \h is tab, space and NBSP (0xA0); \v is LF, VT, FF, CR, NEL (0x85).
ByteSet horizontal_space() { return from_chars("\t ") | byte_set_of(0xA0); }
ByteSet vertical_space() { return from_chars("\n\v\f\r") | byte_set_of(0x85); }
ByteSet punct() {
  ByteSet s;
  for (int c = 0x21; c < 0x7F; ++c) s.set(static_cast<std::size_t>(c));
  return s & ~(digits() | upper() | lower());
}

}  // namespace

ByteSet byte_set_of(unsigned char byte) {
  ByteSet s;
  s.set(byte);
  return s;
}

ByteSet byte_range(unsigned char first, unsigned char last) {
  ByteSet s;
  for (unsigned c = first; c <= last; ++c) s.set(c);
  return s;
}

std::optional<ByteSet> class_escape_set(char letter) {
  switch (letter) {
    case 'd':
      return digits();
    case 'D':
      return ~digits();
    case 'w':
      return word();
    case 'W':
      return ~word();
    case 's':
      return space();
    case 'S':
      return ~space();
    case 'h':
      return horizontal_space();
    case 'H':
      return ~horizontal_space();
    case 'v':
      return vertical_space();
    case 'V':
      return ~vertical_space();
    case 'N':
      return ~byte_set_of('\n');
    default:
      return std::nullopt;
  }
}

std::optional<ByteSet> posix_class_set(std::string_view name) {
  if (name == "alpha") return upper() | lower();
  if (name == "digit") return digits();
  if (name == "alnum") return upper() | lower() | digits();
  if (name == "space") return space();
  if (name == "upper") return upper();
  if (name == "lower") return lower();
  if (name == "punct") return punct();
  if (name == "print") return byte_range(0x20, 0x7E);
  if (name == "graph") return byte_range(0x21, 0x7E);
  if (name == "cntrl") return byte_range(0, 0x1F) | byte_set_of(0x7F);
  if (name == "xdigit") return digits() | byte_range('a', 'f') | byte_range('A', 'F');
  if (name == "word") return word();
  if (name == "blank") return from_chars(" \t");
  if (name == "ascii") return byte_range(0, 0x7F);
  return std::nullopt;
}

ByteSet fold_case(const ByteSet& set) {
  ByteSet out = set;
  for (unsigned c = 'a'; c <= 'z'; ++c) {
    const unsigned other = c - 'a' + 'A';
    if (set.test(c) || set.test(other)) {
      out.set(c);
      out.set(other);
    }
  }
  return out;
}

ByteSet dot_set(bool dotall) { return dotall ? ~ByteSet() : ~byte_set_of('\n'); }

std::optional<unsigned char> pick_byte(const ByteSet& set) {
  if (set.none()) return std::nullopt;
  // Preference order: readable first, so examples in reports stay readable.
  const ByteSet tiers[] = {lower(), digits(), upper(), byte_range(0x21, 0x7E), byte_set_of(' ')};
  for (const ByteSet& tier : tiers) {
    const ByteSet both = set & tier;
    for (unsigned c = 0; c < 256; ++c) {
      if (both.test(c)) return static_cast<unsigned char>(c);
    }
  }
  for (unsigned c = 0; c < 256; ++c) {
    if (set.test(c)) return static_cast<unsigned char>(c);
  }
  return std::nullopt;
}

}  // namespace ivy
