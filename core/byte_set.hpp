#pragma once
// ByteSet: the set of bytes one regexp item can match, in PCRE2's byte mode
// with its default ("C" locale) character tables, which is how ivy-c and ivyd
// match: \d \w \s and the POSIX classes are ASCII only, case folding is ASCII
// only, `.` is every byte but LF.
//
// Pure functions over std::bitset<256>.

#include <bitset>
#include <optional>
#include <string_view>

namespace ivy {

using ByteSet = std::bitset<256>;

ByteSet byte_set_of(unsigned char byte);
ByteSet byte_range(unsigned char first, unsigned char last);

// The set of a class escape letter: d D w W s S h H v V N (N: not LF);
// nullopt for any other letter.
std::optional<ByteSet> class_escape_set(char letter);

// A POSIX class name as in [[:alpha:]] (alpha, digit, alnum, space, upper,
// lower, punct, print, graph, cntrl, xdigit, word, blank, ascii).
std::optional<ByteSet> posix_class_set(std::string_view name);

// `set` with the other case of every ASCII letter in it added.
ByteSet fold_case(const ByteSet& set);

// `.`: every byte but LF; with the s flag, every byte.
ByteSet dot_set(bool dotall);

// A member to show in an example text: a letter or digit if there is one,
// then other printable ASCII, then anything; nullopt for an empty set.
std::optional<unsigned char> pick_byte(const ByteSet& set);

}  // namespace ivy
