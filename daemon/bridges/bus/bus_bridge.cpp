#include "daemon/bridges/bus/bus_bridge.hpp"

namespace ivy::daemon {

BusBridge::BusBridge(asio::io_context& io, BusBridgeOptions options, BusPort local, BusPort far, Logger& log,
                     BridgeHooks hooks)
    : options_(std::move(options)), log_(log), hooks_(std::move(hooks)) {
  auto side = [&](BusPort port, const std::string& name, PeerKey first_key, BridgeFlow flow) {
    BusSide::Handler handler;
    handler.on_text = [this, flow](const std::string& agent, const std::string& text) { carry(flow, agent, text); };
    return std::make_unique<BusSide>(io, std::move(port), BusSideOptions{name, first_key}, log, std::move(handler));
  };
  local_ = side(std::move(local), options_.local_name, options_.first_peer_key, BridgeFlow::kOut);
  far_ = side(std::move(far), options_.remote_name, options_.first_peer_key + (1ull << 32), BridgeFlow::kIn);
}

BusBridge::~BusBridge() { stop(); }

Status BusBridge::start() {
  auto policy = BridgePolicy::create(options_.policy);
  if (!policy) {
    state_ = "failed: " + policy.error().message;
    return fail("bridge '" + options_.id + "': " + policy.error().message);
  }
  policy_.emplace(std::move(*policy));
  for (BusSide* side : {local_.get(), far_.get()}) {
    if (auto st = side->start(); !st) {
      stop();
      state_ = "failed: " + st.error().message;
      return fail("bridge '" + options_.id + "': " + st.error().message);
    }
  }
  state_ = "running";
  log_.notice("bridge '" + options_.id + "': bus '" + local_->bus_id() + "' <-> bus '" + far_->bus_id() + "'");
  return {};
}

void BusBridge::stop() {
  local_->stop();
  far_->stop();
  if (state_ == "running") state_ = "stopped";
}

void BusBridge::carry(BridgeFlow flow, const std::string& origin_agent, const std::string& text) {
  auto decided = policy_->decide(flow, text, MessageSource::kAgent);
  if (!decided) {
    if (decided.error() != SkipReason::kDirection) ++counters_.filtered;
    return;
  }
  BusSide& to = destination(flow);
  if (options_.mode == BridgeMode::kInterest && !to.interest().wanted(*decided)) {
    ++counters_.not_wanted;
    return;
  }
  const std::string& origin_bus = source(flow).bus_id();
  if (hooks_.is_duplicate && hooks_.is_duplicate(to.bus_id(), origin_agent, *decided, "bus:" + origin_bus)) {
    ++counters_.duplicates;
    return;
  }
  if (auto sent = to.emit(*decided); !sent) {
    ++counters_.emit_errors;
    return;
  }
  ++(flow == BridgeFlow::kOut ? counters_.carried_out : counters_.carried_in);
  if (hooks_.on_bridged) {
    hooks_.on_bridged({options_.id, to.bus_id(), origin_bus, origin_agent, *decided, !to.dedicated_emitter()});
  }
}

BridgeStatus BusBridge::status() const {
  BridgeStatus s;
  s.id = options_.id;
  s.type = "bus";
  s.state = state_;
  s.local_bus = local_->bus_id();
  s.far = far_->bus_id();
  s.counters = counters_;
  s.counters.from_bridge_agents = local_->from_bridge_agents() + far_->from_bridge_agents();
  if (options_.mode == BridgeMode::kInterest) {
    s.interest_patterns = local_->interest().patterns().size() + far_->interest().patterns().size();
  }
  return s;
}

}  // namespace ivy::daemon
