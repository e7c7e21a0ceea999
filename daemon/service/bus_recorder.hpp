#pragma once
// BusRecorder: turns one agent's events into storage Records (issue 6).
//
// It uses its bus's tap ("(.*)", see bus_port.hpp), so every sender sends it
// every message in full (Ivy texts hold no LF). For
// each message it asks the agent who else receives it (the matcher run over
// every peer's subscriptions) and records the text, the sender and those
// (agent, regexp id) pairs. Joins, leaves (and how), subscription changes,
// direct messages and DIE/ERROR addressed to us are recorded too, and the
// frames the agent had to drop for a peer whose queue was full, summed per
// peer by a DropTally (drop_tally.hpp): when the queue drains, before the
// peer's leave, and by tick() once a span is a second old.
//
// The sink never blocks; when it is full it counts drops itself. Thread: the
// agent's io_context thread.

#include <string>
#include <unordered_set>
#include <vector>

#include "daemon/agent/agent.hpp"
#include "daemon/service/drop_tally.hpp"
#include "storage/record_sink.hpp"

namespace ivy::daemon {

class BusRecorder final : public AgentListener {
 public:
  // `tap_id`: the bus's all-traffic subscription.
  BusRecorder(Agent& agent, std::string bus_id, storage::RecordSink& sink, int tap_id);
  ~BusRecorder() override;

  // Records the leave of every agent still linked (our own shutdown);
  // records nothing more afterwards.
  void stop();
  // Periodic (the daemon's 1 s tick): records the drop spans that are due.
  void tick();
  // Records every open drop span now (before the sink is replaced).
  void flush_drops();

  void on_connected(PeerKey, const PeerIdentity&) override;
  void on_disconnected(PeerKey, const PeerIdentity&, CloseReason) override;
  void on_subscription_added(PeerKey, const PeerIdentity&, int id, const std::string& pattern) override;
  void on_subscription_removed(PeerKey, const PeerIdentity&, int id, const std::string& pattern) override;
  void on_message(PeerKey, const PeerIdentity&, int our_id, const std::vector<std::string>& args) override;
  void on_direct(PeerKey, const PeerIdentity&, int id, const std::string& text) override;
  void on_die(PeerKey, const PeerIdentity&, int id, DiePolicy) override;
  void on_peer_error(PeerKey, const PeerIdentity&, int id, const std::string& text) override;
  void on_frame_dropped(PeerKey, const PeerIdentity&) override;
  void on_queue_drained(PeerKey, const PeerIdentity&) override;

  // A message this ivyd published itself on the bus (a bridge re-emitting
  // `origin`'s message through this bus's agent), which the agent never hears:
  // recorded as sent by storage::kSelfKey, with the peers that receive it.
  // The caller records the join of kSelfKey first (it spans buses).
  void on_own_message(std::string text, storage::Origin origin);

  std::uint64_t messages_recorded() const { return messages_; }

 private:
  void ensure_joined(PeerKey key, const PeerIdentity& who);
  void join(PeerKey key, const PeerIdentity& who);
  void append(storage::Record record);
  void record_drops(const storage::DeliveryDropRecord& span);

  Agent& agent_;
  std::string bus_id_;
  storage::RecordSink& sink_;
  int tap_id_;
  std::unordered_set<PeerKey> joined_;
  std::vector<SubscriptionRef> refs_;  // reused per message
  DropTally drops_;
  std::uint64_t messages_ = 0;
  bool stopped_ = false;
};

// Wall-clock and monotonic time now, in ns.
storage::Stamp now_stamp();

}  // namespace ivy::daemon
