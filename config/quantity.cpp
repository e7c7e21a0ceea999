#include "config/quantity.hpp"

#include <array>
#include <charconv>
#include <limits>
#include <string>
#include <utility>

namespace ivy::config {

namespace {

struct Split {
  std::uint64_t number = 0;
  std::string_view unit;
};

// "64MiB" -> {64, "MiB"}; the error says what is wrong with the number part.
Result<Split> split_number(std::string_view text) {
  Split split;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, split.number);
  if (ptr == text.data()) return fail("\"" + std::string(text) + "\": expected a number first");
  if (ec == std::errc::result_out_of_range) return fail("\"" + std::string(text) + "\": too large");
  split.unit = std::string_view(ptr, static_cast<std::size_t>(end - ptr));
  if (!split.unit.empty() && split.unit.front() == ' ') split.unit.remove_prefix(1);
  return split;
}

template <std::size_t N>
Result<std::uint64_t> scale(std::string_view text,
                            const std::array<std::pair<std::string_view, std::uint64_t>, N>& units,
                            std::string_view allowed) {
  auto split = split_number(text);
  if (!split) return Unexpected<Error>{split.error()};
  for (const auto& [name, factor] : units) {
    if (split->unit != name) continue;
    if (split->number > std::numeric_limits<std::uint64_t>::max() / factor) {
      return fail("\"" + std::string(text) + "\": too large");
    }
    return split->number * factor;
  }
  std::string what =
      split->unit.empty() ? "missing unit" : "unknown unit \"" + std::string(split->unit) + "\"";
  return fail("\"" + std::string(text) + "\": " + what + " (use " + std::string(allowed) + ")");
}

}  // namespace

Result<std::uint64_t> parse_byte_size(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, std::uint64_t>, 6> kUnits{
      {{"", 1},
       {"B", 1},
       {"KiB", 1ULL << 10},
       {"MiB", 1ULL << 20},
       {"GiB", 1ULL << 30},
       {"TiB", 1ULL << 40}}};
  return scale(text, kUnits, "B, KiB, MiB, GiB or TiB");
}

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, std::uint64_t>, 5> kUnits{
      {{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}}};
  auto ms = scale(text, kUnits, "ms, s, m, h or d");
  if (!ms) return Unexpected<Error>{ms.error()};
  if (*ms > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return fail("\"" + std::string(text) + "\": too large");
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(*ms));
}

}  // namespace ivy::config
