#include "config/suggest.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace ivy::config {

namespace {

bool same_letter(char a, char b) {
  return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
}

// "warn" for "warning", "bus" for "buses": a truncated name is a typo too.
bool is_abbreviation(std::string_view word, std::string_view candidate) {
  return word.size() >= 3 && word.size() < candidate.size() &&
         std::equal(word.begin(), word.end(), candidate.begin(), same_letter);
}

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t rows = a.size() + 1;
  const std::size_t cols = b.size() + 1;
  std::vector<std::size_t> d(rows * cols);
  auto at = [&](std::size_t i, std::size_t j) -> std::size_t& { return d[i * cols + j]; };
  for (std::size_t i = 0; i < rows; ++i) at(i, 0) = i;
  for (std::size_t j = 0; j < cols; ++j) at(0, j) = j;
  for (std::size_t i = 1; i < rows; ++i) {
    for (std::size_t j = 1; j < cols; ++j) {
      std::size_t cost = same_letter(a[i - 1], b[j - 1]) ? 0 : 1;
      at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
      if (i > 1 && j > 1 && same_letter(a[i - 1], b[j - 2]) && same_letter(a[i - 2], b[j - 1])) {
        at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
      }
    }
  }
  return at(rows - 1, cols - 1);
}

std::optional<std::string> suggest(std::string_view word,
                                   std::span<const std::string_view> candidates) {
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  for (std::string_view candidate : candidates) {
    std::size_t limit = std::clamp<std::size_t>(candidate.size() / 3, 1, 3);
    std::size_t distance = edit_distance(word, candidate);
    if (is_abbreviation(word, candidate)) distance = std::min(distance, limit);
    if (distance <= limit && (!best || distance < best_distance)) {
      best = std::string(candidate);
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace ivy::config
