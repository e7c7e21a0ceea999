#pragma once
// The JSON spelling of every Config enum, in one table per enum.
//
// The loader parses with these tables and lists their names when a value is
// not allowed ("must be one of: ignore, exit"); to_string() prints from them,
// so the two can never disagree.

#include <array>
#include <optional>
#include <span>
#include <string_view>

#include "config/config.hpp"

namespace ivy::config {

template <class E>
struct EnumName {
  std::string_view name;
  E value;
};

inline constexpr std::array<EnumName<CaptureMode>, 2> kCaptureModeNames{
    {{"all-groups", CaptureMode::kAllGroups}, {"strict-c", CaptureMode::kStrictC}}};
inline constexpr std::array<EnumName<DiePolicy>, 2> kDiePolicyNames{
    {{"ignore", DiePolicy::kIgnore}, {"exit", DiePolicy::kExit}}};
inline constexpr std::array<EnumName<LogLevel>, 5> kLogLevelNames{{{"debug", LogLevel::kDebug},
                                                                   {"info", LogLevel::kInfo},
                                                                   {"notice", LogLevel::kNotice},
                                                                   {"warning", LogLevel::kWarning},
                                                                   {"error", LogLevel::kError}}};
inline constexpr std::array<EnumName<BridgeDirection>, 3> kBridgeDirectionNames{
    {{"in", BridgeDirection::kIn},
     {"out", BridgeDirection::kOut},
     {"both", BridgeDirection::kBoth}}};
inline constexpr std::array<EnumName<BridgeMode>, 2> kBridgeModeNames{
    {{"all", BridgeMode::kAll}, {"interest", BridgeMode::kInterest}}};
inline constexpr std::array<EnumName<BridgeType>, 3> kBridgeTypeNames{
    {{"bus", BridgeType::kBus}, {"link", BridgeType::kLink}, {"mqtt", BridgeType::kMqtt}}};
inline constexpr std::array<EnumName<LinkRole>, 2> kLinkRoleNames{
    {{"listen", LinkRole::kListen}, {"dial", LinkRole::kDial}}};
inline constexpr std::array<EnumName<MqttPayload>, 2> kMqttPayloadNames{
    {{"text", MqttPayload::kText}, {"json", MqttPayload::kJson}}};

template <class E>
std::optional<E> enum_from_name(std::span<const EnumName<E>> names, std::string_view name) {
  for (const auto& entry : names) {
    if (entry.name == name) return entry.value;
  }
  return std::nullopt;
}

template <class E>
std::string_view enum_to_name(std::span<const EnumName<E>> names, E value) {
  for (const auto& entry : names) {
    if (entry.value == value) return entry.name;
  }
  return "?";
}

}  // namespace ivy::config
