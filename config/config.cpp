#include "config/config.hpp"

#include "config/enum_names.hpp"

namespace ivy::config {

Config default_config() {
  Config config;
  config.buses.emplace_back();
  return config;
}

std::string_view to_string(CaptureMode value) {
  return enum_to_name<CaptureMode>(kCaptureModeNames, value);
}
std::string_view to_string(DiePolicy value) {
  return enum_to_name<DiePolicy>(kDiePolicyNames, value);
}
std::string_view to_string(LogLevel value) { return enum_to_name<LogLevel>(kLogLevelNames, value); }
std::string_view to_string(BridgeDirection value) {
  return enum_to_name<BridgeDirection>(kBridgeDirectionNames, value);
}
std::string_view to_string(BridgeMode value) {
  return enum_to_name<BridgeMode>(kBridgeModeNames, value);
}
std::string_view to_string(BridgeType value) {
  return enum_to_name<BridgeType>(kBridgeTypeNames, value);
}
std::string_view to_string(LinkRole value) { return enum_to_name<LinkRole>(kLinkRoleNames, value); }
std::string_view to_string(MqttPayload value) {
  return enum_to_name<MqttPayload>(kMqttPayloadNames, value);
}

}  // namespace ivy::config
