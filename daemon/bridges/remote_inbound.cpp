#include "daemon/bridges/remote_inbound.hpp"

namespace ivy::daemon {

void deliver_remote(const RemoteInbound& bridge, BusSide* side, const RemoteMessage& m, BridgeCounters& counters) {
  auto decided = bridge.policy.decide(BridgeFlow::kIn, m.text, MessageSource::kAgent);
  if (!decided) {
    if (decided.error() != SkipReason::kDirection) ++counters.filtered;
    return;
  }
  if (!side) return;
  if (bridge.mode == BridgeMode::kInterest && !side->interest().wanted(*decided)) {
    ++counters.not_wanted;
    return;
  }
  if (bridge.hooks.is_duplicate && bridge.hooks.is_duplicate(bridge.bus_id, m.origin_agent, *decided, m.path)) {
    ++counters.duplicates;
    return;
  }
  if (!side->emit(*decided)) {
    ++counters.emit_errors;  // LF, ETX or NUL: not a valid Ivy message
    return;
  }
  ++counters.carried_in;
  if (bridge.hooks.on_bridged) {
    bridge.hooks.on_bridged(
        {bridge.bridge_id, bridge.bus_id, std::string(m.origin_bus), std::string(m.origin_agent), *decided,
         !side->dedicated_emitter()});
  }
}

}  // namespace ivy::daemon
