#pragma once
// LiveState: which agents are connected and what they are subscribed to, as
// told by the records seen so far. The writer keeps it for every record, even
// ones it failed to store, so that a new file (rotation, recovery) can start
// with the agents and subscriptions that are live at that moment and every
// file answers "who was subscribed to what" on its own.
//
// Thread: the writer thread only.

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "storage/record.hpp"

namespace ivy::storage {

struct LiveAgent {
  AgentRef ref;
  Stamp joined;
};

struct LiveSubscription {
  std::string pattern;
  Stamp added;
};

class LiveState {
 public:
  using SubscriptionKey = std::pair<PeerKey, std::int32_t>;

  void apply(const Record& record);

  const std::map<PeerKey, LiveAgent>& agents() const { return agents_; }
  const std::map<SubscriptionKey, LiveSubscription>& subscriptions() const {
    return subscriptions_;
  }

 private:
  void apply_agent(const AgentEvent& event);
  void apply_subscription(const SubscriptionEvent& event);

  std::map<PeerKey, LiveAgent> agents_;
  std::map<SubscriptionKey, LiveSubscription> subscriptions_;
};

}  // namespace ivy::storage
