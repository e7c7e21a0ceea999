#pragma once
// PatternSet: a set of Ivy regexps with a reference count per pattern text,
// answering "does any of them match this text?" — the interest of a bus in
// a bridge's on-interest mode (docs/bridge.md).
//
// add() and remove() report whether the set itself changed (first holder of
// a text added, last holder removed), which is what a link sends to the far
// side. A pattern that does not compile is refused and not counted.
//
// Thread: one owner.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/pcre_matcher.hpp"

namespace ivy {

class PatternSet {
 public:
  // True if `pattern` is new to the set (false: one more holder, or it does
  // not compile).
  bool add(const std::string& pattern);
  // True if the last holder of `pattern` is gone; unknown patterns: false.
  bool remove(const std::string& pattern);
  void clear();

  // True if some pattern matches `text` (unanchored, ivy-c semantics).
  bool matches(std::string_view text);
  bool empty() const { return counts_.empty(); }
  std::size_t size() const { return counts_.size(); }
  std::vector<std::string> patterns() const;

 private:
  struct Held {
    int id = 0;
    std::size_t count = 0;
  };
  PcreMatcher matcher_;
  std::map<std::string, Held, std::less<>> counts_;
  std::vector<SubscriptionRef> refs_;
  int next_id_ = 0;
};

}  // namespace ivy
