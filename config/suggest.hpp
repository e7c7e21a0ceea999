#pragma once
// Spelling suggestions for unknown keys and enum values:
//
//   suggest("recoder", {"buses", "recorder", "bridges"})  // "recorder"
//   suggest("zzz", {"buses"})                              // nullopt
//
// Uses the optimal-string-alignment edit distance (insert, delete, replace,
// swap two neighbours), ignoring ASCII case. A candidate is offered only when
// it is close enough to be a plausible typo: at most one edit per three
// characters of the candidate, at least one, at most three; or a prefix of
// the candidate of three or more characters ("warn" -> "warning").

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ivy::config {

std::size_t edit_distance(std::string_view a, std::string_view b);

// The closest plausible candidate; ties go to the first in the list.
std::optional<std::string> suggest(std::string_view word,
                                   std::span<const std::string_view> candidates);

}  // namespace ivy::config
