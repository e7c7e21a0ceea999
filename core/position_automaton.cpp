#include "core/position_automaton.hpp"

#include <algorithm>

namespace ivy {
namespace {

constexpr int kMaxUnrolled = 3;

// A sub-automaton: whether it matches empty, the positions that can start and
// end it.
struct Fragment {
  bool nullable = true;
  std::vector<int> first;
  std::vector<int> last;
};

bool is_lookaround(const RegexNode& n) {
  return n.kind == RegexNodeKind::kGroup &&
         (n.group == GroupKind::kLookahead || n.group == GroupKind::kLookbehind);
}

ByteSet all_bytes(const RegexNode& n) {
  if (n.kind == RegexNodeKind::kBytes) return n.bytes;
  ByteSet out;
  if (n.kind != RegexNodeKind::kGroup || is_lookaround(n)) return out;
  for (const auto& seq : n.alternatives) {
    for (const auto& child : seq) out |= all_bytes(child);
  }
  return out;
}

class Builder {
 public:
  explicit Builder(std::size_t max_positions) : max_(max_positions) {}

  std::optional<PositionAutomaton> run(const RegexSyntax& syntax) {
    const Fragment root = alternatives(syntax.alternatives);
    if (overflow_) return std::nullopt;
    a_.first = root.first;
    a_.last.assign(a_.positions.size(), false);
    for (int p : root.last) a_.last[static_cast<std::size_t>(p)] = true;
    a_.nullable = root.nullable;
    return std::move(a_);
  }

 private:
  Fragment position(const ByteSet& bytes, const RegexNode& n, bool nullable) {
    if (bytes.none() || overflow_) return {};
    if (a_.positions.size() >= max_) {
      overflow_ = true;
      return {};
    }
    const int id = static_cast<int>(a_.positions.size());
    a_.positions.push_back({bytes, n.offset, n.length});
    a_.follow.emplace_back();
    return Fragment{nullable, {id}, {id}};
  }

  void link(const std::vector<int>& from, const std::vector<int>& to) {
    for (int p : from) {
      auto& edges = a_.follow[static_cast<std::size_t>(p)];
      for (int q : to) {
        auto it = std::find_if(edges.begin(), edges.end(),
                               [q](const AutomatonEdge& e) { return e.to == q; });
        if (it == edges.end()) {
          edges.push_back({q, 1});
        } else {
          it->ways = 2;  // a second way to the same place: all that matters is "more than one"
        }
      }
    }
  }

  Fragment concat(Fragment a, const Fragment& b) {
    link(a.last, b.first);
    Fragment r;
    r.nullable = a.nullable && b.nullable;
    r.first = a.first;
    if (a.nullable) r.first.insert(r.first.end(), b.first.begin(), b.first.end());
    r.last = b.last;
    if (b.nullable) r.last.insert(r.last.end(), a.last.begin(), a.last.end());
    return r;
  }

  Fragment alternatives(const std::vector<RegexSequence>& alts) {
    Fragment r;
    r.nullable = false;
    for (const auto& seq : alts) {
      const Fragment f = sequence(seq);
      r.nullable = r.nullable || f.nullable;
      r.first.insert(r.first.end(), f.first.begin(), f.first.end());
      r.last.insert(r.last.end(), f.last.begin(), f.last.end());
    }
    if (alts.empty()) r.nullable = true;
    return r;
  }

  Fragment sequence(const RegexSequence& seq) {
    Fragment f;
    for (const RegexNode& n : seq) f = concat(std::move(f), node(n));
    return f;
  }

  // The node without its quantifier.
  Fragment once(const RegexNode& n) {
    switch (n.kind) {
      case RegexNodeKind::kBytes:
        return position(n.bytes, n, false);
      case RegexNodeKind::kGroup:
        if (is_lookaround(n)) return {};
        if (n.group == GroupKind::kAtomic) return atomic(n, 1);
        return alternatives(n.alternatives);
      case RegexNodeKind::kAssert:
        // Nothing after an end anchor can be read, and the pattern cannot end
        // before it: the texts this automaton is used on end in a byte the
        // pattern cannot read, so the anchor fails there.
        if (n.assertion == AssertKind::kEnd) return Fragment{false, {}, {}};
        return {};
      default:
        return {};  // back-reference, opaque: the empty string
    }
  }

  // Never backtracked into: one position holding every byte inside.
  Fragment atomic(const RegexNode& n, int min) {
    bool nullable = min == 0;
    if (!nullable && n.kind == RegexNodeKind::kGroup) {
      nullable = std::any_of(n.alternatives.begin(), n.alternatives.end(),
                             [](const RegexSequence& s) { return regex_width(s).min == 0; });
    }
    return position(all_bytes(n), n, nullable);
  }

  static Fragment optional(Fragment f) {
    f.nullable = true;
    return f;
  }

  Fragment loop(Fragment f) {
    link(f.last, f.first);
    return f;
  }

  Fragment node(const RegexNode& n) {
    if (n.max == 0) return {};
    if (n.possessive) return atomic(n, n.min);
    const int mandatory = std::min(n.min, kMaxUnrolled);
    Fragment f;
    if (n.max == kUnbounded) {
      for (int k = 1; k < mandatory; ++k) f = concat(std::move(f), once(n));
      Fragment repeated = loop(once(n));
      return concat(std::move(f),
                    mandatory == 0 ? optional(std::move(repeated)) : std::move(repeated));
    }
    for (int k = 0; k < mandatory; ++k) f = concat(std::move(f), once(n));
    // X{0,k} as (X(X(...)?)?)?: one way to match each count, like the matcher.
    Fragment tail;
    for (int k = std::min(n.max - n.min, kMaxUnrolled); k > 0; --k)
      tail = optional(concat(once(n), tail));
    return concat(std::move(f), tail);
  }

  std::size_t max_;
  bool overflow_ = false;
  PositionAutomaton a_;
};

}  // namespace

std::optional<PositionAutomaton> PositionAutomaton::build(const RegexSyntax& syntax,
                                                          std::size_t max_positions) {
  return Builder(max_positions).run(syntax);
}

}  // namespace ivy
