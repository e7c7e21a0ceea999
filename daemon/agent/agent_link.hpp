#pragma once
// Agent's per-link state, shared by the files that implement the Agent
// (agent.cpp: links and peer events; agent_publish.cpp: our side). Private
// to daemon/: nothing outside the Agent includes it.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>

#include "core/peer_session.hpp"
#include "daemon/agent/agent.hpp"

namespace ivy::daemon {

struct Agent::PendingPing {
  std::chrono::steady_clock::time_point sent;
  PingCallback callback;
  std::unique_ptr<asio::steady_timer> timer;
};

struct Agent::Link {
  Link(std::shared_ptr<TcpPeer> link_io, PeerSession peer_session, bool is_outgoing)
      : io(std::move(link_io)), session(std::move(peer_session)), outgoing(is_outgoing) {}

  std::shared_ptr<TcpPeer> io;
  PeerSession session;
  bool outgoing = false;
  bool connected = false;  // on_connected fired
  std::uint16_t announced_port = 0;
  std::chrono::steady_clock::time_point last_seen = std::chrono::steady_clock::now();
  int next_ping_id = 1;
  std::map<int, PendingPing> pings;
  std::uint64_t refused_subscriptions = 0;
  std::uint64_t oversized_frames = 0;  // the link's framer count, as last logged
  std::unique_ptr<asio::steady_timer> handshake_timer;  // until END_REGEXP

  PeerKey key() const { return io->key(); }
  const PeerIdentity& who() const { return session.identity(); }
};

}  // namespace ivy::daemon
