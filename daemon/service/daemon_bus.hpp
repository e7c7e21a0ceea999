#pragma once
// Daemon::Bus: one configured bus of the Daemon: its agent, the listeners on
// it and its recorder. Private to daemon/service/: shared by the files that
// implement the Daemon (daemon.cpp: assembly and lifecycle; daemon_status.cpp:
// what the status socket answers).

#include <functional>
#include <memory>

#include "config/config.hpp"
#include "daemon/agent/agent.hpp"
#include "daemon/agent/bus_port.hpp"
#include "daemon/agent/listener_list.hpp"
#include "daemon/service/bus_recorder.hpp"
#include "daemon/service/daemon.hpp"

namespace ivy::daemon {

// One bus: its agent, the listeners on it and its recorder.
struct Daemon::Bus final : AgentListener {
  config::BusConfig config;
  ListenerList listeners;
  std::unique_ptr<Agent> agent;
  std::unique_ptr<BusRecorder> recorder;
  std::function<void()> on_die_exit;
  std::function<std::unique_ptr<Matcher>()> make_matcher;  // for agents lent this bus
  int tap_id = -1;

  int tap() {
    if (tap_id < 0) tap_id = *agent->subscribe("(.*)");  // a valid pattern: cannot fail
    return tap_id;
  }
  BusPort port() { return BusPort{config.id, agent.get(), &listeners, [this] { return tap(); }, make_matcher}; }

  void on_die(PeerKey, const PeerIdentity&, int, DiePolicy policy) override {
    if (policy == DiePolicy::kExit && on_die_exit) on_die_exit();
  }
};

}  // namespace ivy::daemon
