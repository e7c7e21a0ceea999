#pragma once
// StaticPeerDialer: keeps one TCP link to each "static peer" of an agent, an
// Ivy agent given as host:port (config `static_peers`, issue 7) because the
// broadcast discovery of §2 cannot find it, or cannot connect back to it (NAT,
// Docker, another subnet: §5.1 connects back to the datagram's source IP).
//
// Per peer:
//
//   idle ──dial()──► resolving ──► connecting ──ok──► linked ──released──┐
//     ▲                 │              │                  ▲               │
//     │              failure        failure            (ip, port)        │
//     │                 ▼              ▼              already claimed     │
//     └───timer──── waiting (jittered backoff, 1 s → 30 s) ◄──────────────┘
//
// A numeric host is used as is; a name is resolved asynchronously on each
// attempt (an IPv4 address preferred unless `prefer_ipv6`). Before
// connecting, the dialer claims (ip, port) from the agent: if the agent is
// already linked to it or connecting to it (a broadcast connect-back won the
// race), the peer goes to "linked" without a second link, and the agent
// calls released(ip, port) when that link (whoever made it) goes away. Then
// the dialer redials after the next backoff delay. The backoff is reset when
// a link lasted at least `stable_link`, so a peer that accepts and drops at
// once is redialled ever more slowly, not every second.
//
// Logging: the first failure after a success (or the first ever) is a
// warning with the address and the error; the following ones are debug
// lines; a connection is info.
//
// Ownership and thread: owned by the Agent, on its io_context thread. Every
// timer, resolver and socket in flight is cancelled by stop() (and by the
// destructor); handlers that run later find the dialer gone or stopped and do
// nothing. The hooks must stay valid until stop().

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/backoff.hpp"
#include "daemon/asio.hpp"
#include "daemon/log.hpp"

namespace ivy::daemon {

class StaticPeerDialer {
 public:
  struct Options {
    std::chrono::milliseconds connect_timeout{3000};
    std::chrono::milliseconds backoff_min{1000};
    std::chrono::milliseconds backoff_max{30000};
    std::chrono::milliseconds stable_link{10000};
    bool prefer_ipv6 = false;
    std::string label;  // prefixes every log line, e.g. "bus 127.255.255.255:2010: "
  };

  struct Hooks {
    // Reserves (ip, port) for this dial: false if the agent is already linked
    // or connecting to it. Required.
    std::function<bool(const std::string& ip, std::uint16_t port)> claim;
    // Gives back a claim whose connect failed. Required.
    std::function<void(const std::string& ip, std::uint16_t port)> unclaim;
    // Why the agent will not link with this address now (allowed_networks,
    // max_peers), or nullopt. Optional.
    std::function<std::optional<std::string>(const asio::ip::address&)> refuse;
    // The connect succeeded: the agent makes the socket a link (the claim
    // stays until that link closes and the agent calls released()). Required.
    std::function<void(tcp::socket, const std::string& ip, std::uint16_t port)> adopt;
  };

  StaticPeerDialer(asio::io_context& io, Logger& log, Options options, Hooks hooks);
  ~StaticPeerDialer();
  StaticPeerDialer(const StaticPeerDialer&) = delete;
  StaticPeerDialer& operator=(const StaticPeerDialer&) = delete;

  // Adds a peer; dialled at once if started.
  void add(std::string host, std::uint16_t port);
  // Dials every peer added so far.
  void start();
  // Cancels everything in flight; no dial happens afterwards.
  void stop();

  // The agent's link (or connect) to (ip, port) is gone: a static peer with
  // that address redials after its backoff delay.
  void released(const std::string& ip, std::uint16_t port);

  std::size_t size() const { return peers_.size(); }
  // Peers with a link up (made by us or by discovery).
  std::size_t linked() const;

 private:
  struct Peer;

  void dial(Peer& peer);
  void connect(Peer& peer, const asio::ip::address& address);
  void on_connect(Peer& peer, const error_code& ec, bool timed_out);
  void fail(Peer& peer, const std::string& why);
  void schedule(Peer& peer);
  std::optional<asio::ip::address> pick(const tcp::resolver::results_type& results) const;

  asio::io_context& io_;
  Logger& log_;
  Options options_;
  Hooks hooks_;
  std::vector<std::unique_ptr<Peer>> peers_;
  std::mt19937_64 random_{std::random_device{}()};
  bool running_ = false;
  bool stopped_ = false;
  std::shared_ptr<int> life_ = std::make_shared<int>(0);
};

}  // namespace ivy::daemon
