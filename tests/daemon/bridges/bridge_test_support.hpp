#pragma once
// Support for the bridge tests and the bridge benchmark: a "daemon bus" as
// the Daemon builds it (an Agent whose events go to a ListenerList, and the
// shared `(.*)` tap), plus helpers to wait for meshes and count deliveries.
//
// Network rules as in test_support.hpp: 127.255.255.255:<port> buses, TCP on
// 127.0.0.1 only.

#include <memory>
#include <string>
#include <vector>

#include "core/pcre_matcher.hpp"
#include "daemon/agent/agent.hpp"
#include "daemon/agent/bus_port.hpp"
#include "daemon/agent/listener_list.hpp"
#include "tests/daemon/test_support.hpp"

namespace ivy::daemon::test {

// The daemon's agent on one bus.
struct DaemonBus {
  DaemonBus(asio::io_context& io, Logger& log, std::string bus_id, std::string name, std::uint16_t bus_port,
            PeerKey first_key)
      : id(std::move(bus_id)) {
    AgentOptions options;
    options.name = std::move(name);
    options.bus = loopback_bus(bus_port);
    options.shutdown_grace = 300ms;
    options.first_peer_key = first_key;
    agent = std::make_unique<Agent>(io, std::move(options), std::make_unique<PcreMatcher>(), log, &listeners);
    EXPECT_TRUE(agent->start().ok());
  }
  BusPort port() {
    return BusPort{id, agent.get(), &listeners, [this] {
                     if (tap < 0) tap = *agent->subscribe("(.*)");
                     return tap;
                   }};
  }

  std::string id;
  ListenerList listeners;
  std::unique_ptr<Agent> agent;
  int tap = -1;
};

// True when `agent` has `peers` ready links.
inline bool has_ready_peers(Agent& agent, std::size_t peers) {
  std::size_t ready = 0;
  for (const auto& p : agent.peers()) ready += p.ready;
  return ready >= peers;
}

// The messages a TestAgent received, as "arg0|arg1|..." strings.
inline std::vector<std::string> received(const TestAgent& agent) {
  std::vector<std::string> out;
  for (const auto& e : agent.events.of(AgentEvent::Kind::kMessage)) {
    std::string joined;
    for (std::size_t i = 0; i < e.args.size(); ++i) joined += (i ? "|" : "") + e.args[i];
    out.push_back(joined);
  }
  return out;
}

inline std::size_t received_count(const TestAgent& agent) { return agent.events.count(AgentEvent::Kind::kMessage); }

}  // namespace ivy::daemon::test
