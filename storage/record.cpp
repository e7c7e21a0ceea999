#include "storage/record.hpp"

#include <type_traits>

namespace ivy::storage {

Stamp stamp_of(const Record& record) {
  return std::visit(
      [](const auto& r) -> Stamp {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, GapRecord> || std::is_same_v<T, DeliveryDropRecord>) {
          return r.to;
        } else {
          return r.at;
        }
      },
      record);
}

bool is_control(const Record& record) {
  return !std::holds_alternative<MessageRecord>(record);
}

std::string_view to_string(LeaveHow how) {
  switch (how) {
    case LeaveHow::kNone: return "";
    case LeaveHow::kBye: return "bye";
    case LeaveHow::kEof: return "eof";
    case LeaveHow::kReset: return "reset";
    case LeaveHow::kTimeout: return "timeout";
    case LeaveHow::kError: return "error";
    case LeaveHow::kShutdown: return "shutdown";
    case LeaveHow::kStalled: return "stalled";
  }
  return "";
}

}  // namespace ivy::storage
