#pragma once
// ListenerList: one AgentListener that forwards every event to several (the
// recorder, the bridges, the status counters), in the order they were added.

#include <vector>

#include "daemon/agent/agent.hpp"

namespace ivy::daemon {

class ListenerList final : public AgentListener {
 public:
  void add(AgentListener* listener) { listeners_.push_back(listener); }
  void remove(AgentListener* listener) { std::erase(listeners_, listener); }

  void on_connected(PeerKey k, const PeerIdentity& w) override {
    for (auto* l : listeners_) l->on_connected(k, w);
  }
  void on_disconnected(PeerKey k, const PeerIdentity& w, CloseReason r) override {
    for (auto* l : listeners_) l->on_disconnected(k, w, r);
  }
  void on_subscription_added(PeerKey k, const PeerIdentity& w, int id, const std::string& p) override {
    for (auto* l : listeners_) l->on_subscription_added(k, w, id, p);
  }
  void on_subscription_removed(PeerKey k, const PeerIdentity& w, int id, const std::string& p) override {
    for (auto* l : listeners_) l->on_subscription_removed(k, w, id, p);
  }
  void on_subscription_error(PeerKey k, const PeerIdentity& w, int id, const std::string& p,
                             const CompileError& e) override {
    for (auto* l : listeners_) l->on_subscription_error(k, w, id, p, e);
  }
  void on_message(PeerKey k, const PeerIdentity& w, int id, const std::vector<std::string>& a) override {
    for (auto* l : listeners_) l->on_message(k, w, id, a);
  }
  void on_direct(PeerKey k, const PeerIdentity& w, int id, const std::string& t) override {
    for (auto* l : listeners_) l->on_direct(k, w, id, t);
  }
  void on_die(PeerKey k, const PeerIdentity& w, int id, DiePolicy p) override {
    for (auto* l : listeners_) l->on_die(k, w, id, p);
  }
  void on_peer_error(PeerKey k, const PeerIdentity& w, int id, const std::string& t) override {
    for (auto* l : listeners_) l->on_peer_error(k, w, id, t);
  }
  void on_frame_dropped(PeerKey k, const PeerIdentity& w) override {
    for (auto* l : listeners_) l->on_frame_dropped(k, w);
  }
  void on_queue_drained(PeerKey k, const PeerIdentity& w) override {
    for (auto* l : listeners_) l->on_queue_drained(k, w);
  }

 private:
  std::vector<AgentListener*> listeners_;
};

}  // namespace ivy::daemon
