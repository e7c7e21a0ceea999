#pragma once
// find_exponential_backtracking: does a pattern have a shape on which a
// backtracking matcher (PCRE2 in ivyd and ivy-c, Python's re in ivy-python
// senders) can take time exponential in the length of the text?
//
// The test is the one of Weideman et al. ("Analyzing matching time behavior
// of backtracking regular expression matchers by using ambiguity of NFA",
// CIAA 2016), on the position automaton (position_automaton.hpp): the
// pattern is exponentially ambiguous when some position q can be left and
// reached again, reading the same text, along two different paths. Then every
// repetition of that text doubles the ways a failing match must try:
// `(a+)+$`, `(\w+\s?)+$`, `(a|a)*`, `(.*,)+x`. Patterns whose repetitions are
// unambiguous (`(\d+,)+`, `^(.*) (.*)$`, `(a|ab)*`) are not reported;
// polynomial blow-ups (`.*.*.*=`) are not looked for.
//
// A finding comes with a witness: a text made of a prefix that reaches the
// repetition, the pumped part (several times) and a suffix that makes the
// match fail. The witness is then run through PCRE2 with ivyd's match limit
// (regex.hpp): `pcre2_gives_up` says PCRE2 hit its limit on it, i.e. ivyd and
// ivy-c drop that subscription for such a text, and a Python sender (no
// limit) spends the exponential time. PCRE2's own optimisations
// (auto-possessification, required-byte checks) sometimes defuse a shape that
// Python's re still falls into: then `pcre2_gives_up` is false.
//
// Pure (no clock: the PCRE2 run is bounded by its match limit, not by time).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/regex_syntax.hpp"

namespace ivy {

struct BacktrackingRisk {
  std::size_t offset = 0;  // the pattern item that can be matched in several ways
  std::size_t length = 0;
  std::string prefix;   // leads to it
  std::string pump;     // read in two ways; each repetition doubles the work
  std::string suffix;   // makes the match fail (may be empty)
  std::string example;  // prefix + pump x n + suffix, the text PCRE2 was tried on
  bool pcre2_gives_up = false;
};

// nullopt: no exponential shape found (or the pattern is too large to model:
// over 400 byte-matching items once bounded repeats are unrolled).
std::optional<BacktrackingRisk> find_exponential_backtracking(std::string_view pattern,
                                                              const RegexSyntax& syntax);

}  // namespace ivy
