#include "core/literal_prefix.hpp"

namespace ivy {
namespace {

bool is_meta(char c) {
  return std::string_view("\\^$.[]|()?*+{}").find(c) != std::string_view::npos;
}

bool is_quantifier(char c) { return c == '?' || c == '*' || c == '+' || c == '{'; }

}  // namespace

std::string anchored_literal_prefix(std::string_view pattern) {
  // A top-level `|` would make `^` apply to one branch only; any `|` is refused.
  if (pattern.size() < 2 || pattern[0] != '^' || pattern.find('|') != std::string_view::npos) {
    return {};
  }
  std::size_t end = 1;
  while (end < pattern.size() && !is_meta(pattern[end]) && pattern[end] != '\0') ++end;
  // `^abc?`: the quantifier applies to `c`, which is then not required.
  if (end < pattern.size() && is_quantifier(pattern[end])) --end;
  return std::string(pattern.substr(1, end - 1));
}

}  // namespace ivy
