#pragma once
// BusBridge: a bus <-> bus bridge inside one ivyd (docs/bridge.md). ivyd is
// an agent on both buses; a message an ordinary agent sends on one is emitted
// again, by the bridge's agent, on the other, subject to the policy
// (direction, include / exclude, prefixes: core/bridge_policy.hpp) and, in
// interest mode, to the destination bus's interest.
//
//   local bus  --(tap, out)-->  BridgePolicy  -->  emitter on the far bus
//   local bus  <--(emitter)--   BridgePolicy  <--(tap, in)--  far bus
//
// Loop prevention: messages of bridge agents (ours included, all hold the
// marker) are never carried; our emitter never hears its own messages; the
// dedup hook drops a copy that reaches a bus again by another path within
// the window.
//
// Ownership: the two BusPorts must outlive the bridge; start()/stop() on the
// io_context thread. stop() is immediate (a dedicated emitter finishes its
// BYE on its own).

#include <memory>
#include <string>

#include "core/bridge_policy.hpp"
#include "core/result.hpp"
#include "daemon/bridges/bridge_types.hpp"
#include "daemon/agent/bus_port.hpp"
#include "daemon/bridges/bus_side.hpp"
#include "daemon/log.hpp"

namespace ivy::daemon {

struct BusBridgeOptions {
  std::string id;
  BridgePolicyOptions policy;
  BridgeMode mode = BridgeMode::kAll;
  std::string local_name;   // emitter on the local bus; "" = the bus's agent
  std::string remote_name;  // emitter on the far bus; "" = that bus's agent
  PeerKey first_peer_key = 0;  // two ranges of 2^32 keys for dedicated emitters
};

class BusBridge {
 public:
  BusBridge(asio::io_context& io, BusBridgeOptions options, BusPort local, BusPort far, Logger& log,
            BridgeHooks hooks = {});
  ~BusBridge();
  BusBridge(const BusBridge&) = delete;
  BusBridge& operator=(const BusBridge&) = delete;

  // Compiles the filters and joins both buses. On failure nothing is left
  // running.
  Status start();
  void stop();

  BridgeStatus status() const;
  const BusBridgeOptions& options() const { return options_; }

 private:
  void carry(BridgeFlow flow, const std::string& origin_agent, const std::string& text);
  BusSide& source(BridgeFlow flow) { return flow == BridgeFlow::kOut ? *local_ : *far_; }
  BusSide& destination(BridgeFlow flow) { return flow == BridgeFlow::kOut ? *far_ : *local_; }

  BusBridgeOptions options_;
  Logger& log_;
  BridgeHooks hooks_;
  std::optional<BridgePolicy> policy_;
  std::unique_ptr<BusSide> local_;
  std::unique_ptr<BusSide> far_;
  BridgeCounters counters_;
  std::string state_ = "stopped";
};

}  // namespace ivy::daemon
