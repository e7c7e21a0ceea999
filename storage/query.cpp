#include "storage/query.hpp"

#include <array>

namespace ivy::storage {
namespace {

constexpr std::array<std::string_view, 10> kNames = {
    "msg", "direct", "join", "leave", "bind", "unbind", "die", "error", "gap", "dropped"};

}  // namespace

std::string_view to_string(EntryKind kind) { return kNames[static_cast<std::size_t>(kind)]; }

std::optional<EntryKind> parse_entry_kind(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<EntryKind>(i);
  }
  return std::nullopt;
}

std::optional<KindMask> parse_kinds(std::string_view list) {
  KindMask mask = 0;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const std::string_view name = list.substr(0, comma);
    if (name == "all") {
      mask |= kAllKinds;
    } else if (auto kind = parse_entry_kind(name)) {
      mask |= kind_bit(*kind);
    } else {
      return std::nullopt;
    }
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  }
  return mask == 0 ? std::nullopt : std::optional<KindMask>(mask);
}

}  // namespace ivy::storage
