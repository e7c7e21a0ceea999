#pragma once
// BusPort: what the daemon lends a component that works on one of its buses
// (the recorder, a bridge): the agent, the listener list to join, and the
// bus's shared all-traffic subscription.
//
// The tap: "(.*)" makes every sender send us every message in full (Ivy
// sends captures, and the capture of (.*) is the whole text). It is
// subscribed once per bus however many components want it, because two
// identical subscriptions would make every sender send every message twice.

#include <functional>
#include <memory>
#include <string>

#include "daemon/agent/agent.hpp"
#include "daemon/agent/listener_list.hpp"

namespace ivy::daemon {

struct BusPort {
  std::string id;  // the bus id from the config
  Agent* agent = nullptr;
  ListenerList* listeners = nullptr;
  // Subscribes the tap on first use and returns its regexp id; a message
  // event with this id carries the whole text as its only argument.
  std::function<int()> tap;
  // A matcher like the bus agent's (Hyperscan, the daemon's database cache)
  // for another agent on this bus (a bridge's dedicated emitter); unset: a
  // plain HyperscanMatcher.
  std::function<std::unique_ptr<Matcher>()> make_matcher = nullptr;
};

}  // namespace ivy::daemon
