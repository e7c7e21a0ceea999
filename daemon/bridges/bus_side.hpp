#pragma once
// BusSide: one bridge's presence on one bus. It listens to the bus through
// the daemon's agent (the shared `(.*)` tap of the BusPort), tells apart the
// messages of ordinary agents from those of bridge agents (the marker, see
// core/bridge_policy.hpp), keeps the bus's interest (core/bus_interest.hpp),
// and emits through an "emitter" agent that holds the marker:
//
//   - the bus's own agent when `emitter_name` is empty or is that agent's
//     name (no extra connections);
//   - otherwise a dedicated Agent of that name on the same bus, with the
//     bus agent's options (config `local_name` / `remote_name`).
//
// Ownership: the BusPort (agent, listener list) must outlive the BusSide.
// stop() leaves the listener list and unsubscribes the marker; a dedicated
// emitter is stopped (BYE) and deleted once closed. Events and callbacks run
// on the io_context thread.

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/bus_interest.hpp"
#include "core/result.hpp"
#include "daemon/agent/agent.hpp"
#include "daemon/agent/bus_port.hpp"
#include "daemon/log.hpp"

namespace ivy::daemon {

struct BusSideOptions {
  std::string emitter_name;   // "" = the bus's own agent
  PeerKey first_peer_key = 0;  // peer keys of a dedicated emitter
};

class BusSide final : public AgentListener {
 public:
  struct Handler {
    // A message from an ordinary (non-bridge) agent: its name and the text.
    std::function<void(const std::string& origin_agent, const std::string& text)> on_text;
    // The bus's interest changed (only bridges in interest mode care).
    std::function<void(const InterestChanges&)> on_interest;
  };

  BusSide(asio::io_context& io, BusPort port, BusSideOptions options, Logger& log, Handler handler);
  ~BusSide() override;
  BusSide(const BusSide&) = delete;
  BusSide& operator=(const BusSide&) = delete;

  Status start();
  void stop();

  // Emits `text` on the bus; the number of MSG frames sent (0: nobody
  // subscribes). Fails on text the Ivy wire refuses (LF, ETX, NUL).
  Result<std::size_t> emit(std::string_view text);

  const std::string& bus_id() const { return port_.id; }
  BusInterest& interest() { return interest_; }
  const BusInterest& interest() const { return interest_; }
  std::uint64_t from_bridge_agents() const { return from_bridge_agents_; }
  Agent& emitter() { return dedicated_ ? *dedicated_ : *port_.agent; }
  bool dedicated_emitter() const { return dedicated_ != nullptr; }

  void on_message(PeerKey, const PeerIdentity&, int our_id, const std::vector<std::string>& args) override;
  void on_subscription_added(PeerKey, const PeerIdentity&, int id, const std::string& pattern) override;
  void on_subscription_removed(PeerKey, const PeerIdentity&, int id, const std::string& pattern) override;
  void on_disconnected(PeerKey, const PeerIdentity&, CloseReason) override;

 private:
  Status start_dedicated();
  void catch_up();
  void report(const InterestChanges& changes);

  asio::io_context& io_;
  BusPort port_;
  BusSideOptions options_;
  Logger& log_;
  Handler handler_;
  std::unique_ptr<Agent> dedicated_;
  BusInterest interest_;
  int tap_ = -1;
  int marker_ = -1;
  bool started_ = false;
  std::uint64_t from_bridge_agents_ = 0;
};

}  // namespace ivy::daemon
