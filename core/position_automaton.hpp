#pragma once
// PositionAutomaton: the Glushkov (position) automaton of a parsed regexp,
// with multiplicities, as a model of how a backtracking matcher (PCRE2,
// Python's re) can walk through a text.
//
// Every byte-matching item of the pattern is a position; `follow[p]` lists the
// positions that may consume the next byte after p, each with the number of
// distinct ways (1 or 2+, capped at 2) the pattern's structure leads there.
// `(a+)+` gives follow[a] = {a x2}: after an `a` the matcher may repeat the
// inner loop or close it and repeat the outer one - the two choices a
// backtracking matcher tries both of, which is where exponential time comes
// from (see backtracking_check.hpp).
//
// Modelling choices (an approximation, documented so the findings can be
// judged):
//   - zero-width items (lookarounds, ^, \b), back-references and opaque items
//     match the empty string; an end anchor ($ \z \Z) is a wall: nothing
//     goes past it and the pattern cannot end before it (the texts this
//     model is run on end in a byte the pattern cannot read);
//   - an atomic group or a possessive item is one position whose bytes are
//     every byte inside it: the matcher never backtracks into it;
//   - bounded repeats {n,m} are unrolled with n and m-n capped at 3, and
//     {n,} becomes n-1 (capped) copies and a loop: the same ambiguity;
//   - lazy and greedy quantifiers build the same automaton.
//
// Pure. Bounded: build() stops (nullopt) past `max_positions`.

#include <cstddef>
#include <optional>
#include <vector>

#include "core/byte_set.hpp"
#include "core/regex_syntax.hpp"

namespace ivy {

struct AutomatonEdge {
  int to = 0;
  int ways = 1;  // 1, or 2 for "two or more"
};

struct PositionAutomaton {
  struct Position {
    ByteSet bytes;
    std::size_t offset = 0;  // the pattern item it comes from
    std::size_t length = 0;
  };
  std::vector<Position> positions;
  std::vector<std::vector<AutomatonEdge>> follow;  // by position
  std::vector<int> first;                          // positions that may consume the first byte
  std::vector<bool> last;                          // by position: may consume the last byte
  bool nullable = false;                           // matches the empty string

  static std::optional<PositionAutomaton> build(const RegexSyntax& syntax,
                                                std::size_t max_positions = 400);
};

}  // namespace ivy
