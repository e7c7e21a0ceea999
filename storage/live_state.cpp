#include "storage/live_state.hpp"

namespace ivy::storage {

void LiveState::apply(const Record& record) {
  if (const auto* agent = std::get_if<AgentEvent>(&record)) {
    apply_agent(*agent);
  } else if (const auto* sub = std::get_if<SubscriptionEvent>(&record)) {
    apply_subscription(*sub);
  }
}

void LiveState::apply_agent(const AgentEvent& event) {
  const PeerKey key = event.agent.key;
  if (event.change == AgentChange::kJoined) {
    auto [it, inserted] = agents_.try_emplace(key, LiveAgent{event.agent, event.at});
    if (!inserted) it->second.ref = event.agent;  // identity update
    return;
  }
  agents_.erase(key);
  auto first = subscriptions_.lower_bound({key, INT32_MIN});
  auto last = subscriptions_.upper_bound({key, INT32_MAX});
  subscriptions_.erase(first, last);
}

void LiveState::apply_subscription(const SubscriptionEvent& event) {
  const SubscriptionKey key{event.agent, event.regexp_id};
  if (event.change == SubscriptionChange::kAdded) {
    subscriptions_[key] = LiveSubscription{event.pattern, event.at};
  } else {
    subscriptions_.erase(key);
  }
}

}  // namespace ivy::storage
