#pragma once
// Agent: one Ivy agent on one bus, over Boost.Asio. It owns the UDP
// discovery socket, the TCP listener, every peer link and the timers, and
// runs entirely on one io_context thread: no locks on the message path.
//
// Lifecycle (§5): start() listens, binds the bus port and announces once.
// On hearing an announcement it connects back asynchronously, with a timeout
// (never its own app-id, never an app-id or (ip, port) already linked). An
// app-id already linked, announced again from the same host on another port,
// is that agent restarted: the new port is dialled too, and the old link
// (half-open, or its process frozen) is left to close by itself (an
// unauthenticated datagram never cuts a link). On
// every new link (accepted or initiated) it sends START_REGEXP, all our
// subscriptions and END_REGEXP at once. A peer is "connected" when its
// END_REGEXP arrives; then our ready message goes to that peer only, through
// its matching regexps. When both agents connect to each other, the link
// initiated by the agent with the lower (ip, port) is kept and the other is
// closed silently (§5.4), so nothing is delivered twice. stop() sends BYE to
// every peer, flushes and closes.
//
// Sending: send(text) matches the text against every peer's subscriptions
// through the Matcher (ivy-c semantics: unanchored, one MSG per matching
// (peer, regexp)) and queues the frames; never to ourselves.
//
// Events go to an AgentListener, always on the io_context thread. The
// listener must not destroy the Agent from inside a callback.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/bus_spec.hpp"
#include "core/matcher.hpp"
#include "core/peer_session.hpp"
#include "core/result.hpp"
#include "daemon/agent/acceptor.hpp"
#include "daemon/asio.hpp"
#include "daemon/agent/discovery.hpp"
#include "daemon/log.hpp"
#include "daemon/agent/static_peer_dialer.hpp"
#include "daemon/tcp_peer.hpp"

namespace ivy::daemon {

enum class DiePolicy { kIgnore, kExit };

struct AgentOptions {
  std::string name = "ivyd";
  BusSpec bus;
  std::string ready_message;  // empty: none
  DiePolicy die_policy = DiePolicy::kIgnore;
  CaptureMode capture_mode = CaptureMode::kAllGroups;
  TcpPeer::Options link;
  PeerLimits peer_limits;
  std::size_t max_peers = 1024;
  std::chrono::milliseconds connect_timeout{3000};
  // Redial delays of static peers (add_static_peer), jittered exponential.
  std::chrono::milliseconds static_peer_retry_min{1000};
  std::chrono::milliseconds static_peer_retry_max{30000};
  // Our TCP listen port; 0: ephemeral, as ivy-c. A fixed port lets agents
  // that cannot hear our announcement list us as a static peer.
  std::uint16_t tcp_port = 0;
  std::chrono::milliseconds ping_timeout{5000};
  std::chrono::milliseconds shutdown_grace{1000};  // time for BYE to flush
  // A link whose END_REGEXP has not arrived by then is closed; 0: never.
  std::chrono::milliseconds handshake_timeout{30000};
  // Keys given to peer links start here; a daemon running several agents
  // gives each its own range so keys are unique process-wide.
  PeerKey first_peer_key = 1;
  // Which peer addresses may link with us (connect-back and accept); empty:
  // all. The daemon builds it from `allowed_networks`.
  std::function<bool(const asio::ip::address&)> allow_peer;
};

// A snapshot of one peer, for status and tools.
struct PeerInfo {
  PeerKey key = 0;
  PeerIdentity identity;
  bool ready = false;
  bool outgoing = false;  // we connected to it (it announced)
  std::size_t subscriptions = 0;
  std::size_t queued_bytes = 0;
  std::uint64_t dropped_frames = 0;
  std::uint64_t malformed_lines = 0;
  std::uint64_t frames_received = 0;
  std::chrono::steady_clock::time_point last_seen;
};

class AgentListener {
 public:
  virtual ~AgentListener() = default;
  // The peer's END_REGEXP arrived: the handshake is complete.
  virtual void on_connected(PeerKey, const PeerIdentity&) {}
  // Fired once per link that introduced itself (START_REGEXP), connected or
  // not; not for the losing link of a duplicate pair that never completed.
  virtual void on_disconnected(PeerKey, const PeerIdentity&, CloseReason) {}
  virtual void on_subscription_added(PeerKey, const PeerIdentity&, int /*id*/, const std::string& /*pattern*/) {}
  virtual void on_subscription_removed(PeerKey, const PeerIdentity&, int /*id*/, const std::string& /*pattern*/) {}
  // A peer pattern that does not compile; an ERROR frame was sent back.
  virtual void on_subscription_error(PeerKey, const PeerIdentity&, int /*id*/, const std::string& /*pattern*/,
                                     const CompileError&) {}
  // A MSG for one of our subscriptions (our regexp id) with its captures.
  virtual void on_message(PeerKey, const PeerIdentity&, int /*our_id*/, const std::vector<std::string>& /*args*/) {}
  virtual void on_direct(PeerKey, const PeerIdentity&, int /*id*/, const std::string& /*text*/) {}
  // DIE from a peer. With DiePolicy::kExit the agent has already sent BYE to
  // everyone and stopped; the listener decides what the process does.
  virtual void on_die(PeerKey, const PeerIdentity&, int /*id*/, DiePolicy) {}
  virtual void on_peer_error(PeerKey, const PeerIdentity&, int /*id*/, const std::string& /*text*/) {}
  // A frame for this peer was dropped: its outbound queue was full (a slow
  // or stalled reader). Once per frame; PeerInfo::dropped_frames has the sum.
  virtual void on_frame_dropped(PeerKey, const PeerIdentity&) {}
  // That peer's queue emptied after drops: it caught up.
  virtual void on_queue_drained(PeerKey, const PeerIdentity&) {}
};

class Agent final : private TcpPeer::Handler {
 public:
  using PingCallback = std::function<void(std::optional<std::chrono::microseconds> rtt)>;

  Agent(asio::io_context& io, AgentOptions options, std::unique_ptr<Matcher> matcher, Logger& log,
        AgentListener* listener = nullptr);
  ~Agent() override;
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Listens, binds the bus port and announces. Fails (and leaves nothing
  // open) if a socket cannot be opened.
  Status start();
  // BYE to every peer, then close everything; links still flushing after
  // shutdown_grace are cut. `done` runs once everything is closed.
  void stop(std::function<void()> done = {});

  // Our subscriptions. subscribe() checks the pattern compiles (PCRE2) and
  // can go on the wire, then sends ADD_REGEXP to every peer.
  Result<int> subscribe(std::string_view pattern);
  void unsubscribe(int id);
  // DEL of the old id, ADD under a new id (§6.6 REC). Returns the new id.
  Result<int> change(int id, std::string_view pattern);
  const std::map<int, std::string>& subscriptions() const { return subscriptions_; }

  // Publishes `text`: the number of MSG frames queued. Refuses text with
  // LF, ETX or NUL.
  Result<std::size_t> send(std::string_view text);
  Status send_direct(PeerKey peer, int id, std::string_view text);
  Status send_die(PeerKey peer);
  Status send_error(PeerKey peer, int id, std::string_view text);
  // PING; the callback gets the round-trip time, or nullopt after
  // ping_timeout (ivy-python never answers).
  Status ping(PeerKey peer, PingCallback callback);

  // Who would receive `text` if `sender` published it (the recorder).
  void receivers_of(std::string_view text, PeerKey sender, std::vector<SubscriptionRef>& out);

  std::vector<PeerInfo> peers() const;
  std::optional<PeerInfo> peer(PeerKey key) const;
  // The regexps a peer subscribed (id -> pattern); empty for an unknown key.
  // Lets a component that joins late (a bridge restarted on reload) catch up
  // with the subscription events it missed.
  std::map<int, std::string> peer_subscriptions(PeerKey key) const;
  std::vector<PeerKey> find_peers(std::string_view name) const;
  std::size_t peer_count() const { return links_.size(); }

  // Limits for links made from now on; existing links keep theirs (reload).
  void set_link_limits(TcpPeer::Options link, PeerLimits peer_limits, std::size_t max_peers);
  // A new address filter: checked for every new link, and existing links
  // from addresses it refuses are closed now. Returns how many were closed.
  std::size_t set_allow_peer(std::function<bool(const asio::ip::address&)> allow_peer);

  // An agent to link with directly over TCP (its listen port, not the bus
  // port), for agents discovery does not reach (issue 7). Before or after
  // start(): the host is resolved (a numeric one is used as is) and dialled,
  // and redialled with backoff when the connect fails or the link closes,
  // until stop(). An agent that is also linked by discovery (same ip and
  // port) gets no second link. See static_peer_dialer.hpp.
  void add_static_peer(std::string host, std::uint16_t port);
  // Static peers with a link up (ours or discovery's).
  std::size_t static_peers_linked() const { return static_peers_.linked(); }

  // Who gets the events; may be set after construction, before start().
  void set_listener(AgentListener* listener) { listener_ = listener; }

  const AgentOptions& options() const { return options_; }
  const std::string& name() const { return options_.name; }
  const std::string& app_id() const { return app_id_; }
  const BusSpec& bus() const { return options_.bus; }
  std::uint16_t tcp_port() const { return acceptor_.port(); }
  Matcher& matcher() { return *matcher_; }
  const Matcher& matcher() const { return *matcher_; }

  struct Counters {
    std::uint64_t messages_sent = 0;   // send() calls that matched something
    std::uint64_t frames_sent = 0;     // MSG frames queued
    std::uint64_t frames_dropped = 0;  // frames refused by full peer queues
    std::uint64_t messages_received = 0;
    std::uint64_t unknown_msg_ids = 0;
    std::uint64_t malformed_lines = 0;
    std::uint64_t oversized_frames = 0;       // lines over max_frame_bytes, skipped
    std::uint64_t refused_subscriptions = 0;  // ADD_REGEXP over max_subscriptions_per_peer or too long
    std::uint64_t connect_failures = 0;
    std::uint64_t duplicate_links = 0;
    std::uint64_t refused_peers = 0;   // over max_peers
    std::uint64_t denied_peers = 0;    // outside allow_peer
    std::uint64_t handshake_timeouts = 0;  // links closed before END_REGEXP
    std::uint64_t stalled_links = 0;       // links closed after stall_timeout
    std::uint64_t reannounced_app_ids = 0;  // a linked app id announced from a new port: dialled
  };
  const Counters& counters() const { return counters_; }
  const Discovery& discovery() const { return discovery_; }

 private:
  struct Link;
  struct PendingPing;

  void on_announcement(const Announcement& announcement, const asio::ip::address& from);
  bool announced_from_new_port(const Announcement& announcement, const asio::ip::address& from);
  void connect_to(const asio::ip::address& address, std::uint16_t port, std::string app_id, std::string name);
  void on_accepted(tcp::socket socket);
  void arm_handshake_timer(Link& link);
  Link& add_link(tcp::socket socket, bool outgoing, PeerIdentity identity);

  void on_peer_line(TcpPeer& peer, std::string_view line) override;
  void on_peer_closed(TcpPeer& peer, CloseReason reason, const error_code& ec) override;
  void on_peer_dropped(TcpPeer& peer) override;
  void on_peer_drained(TcpPeer& peer) override;
  void log_stalled(const TcpPeer& peer, const PeerIdentity& who);
  void handle_event(Link& link, PeerEvent& event);
  void on_started(Link& link);
  void on_ready(Link& link);
  void on_subscription(Link& link, peer_event::SubscriptionAdded& added);
  void on_msg(Link& link, peer_event::Message& message);
  void on_die(Link& link, int id);
  void on_pong(Link& link, int id);
  bool keep_new_link(const Link& existing, const Link& fresh) const;
  void send_frames_to(PeerKey key, std::vector<Hit>& hits);
  void broadcast(const std::string& frame);
  Link* find_link(PeerKey key);
  const Link* find_link(PeerKey key) const;
  PeerInfo info_of(const Link& link) const;
  void finish_stop();
  StaticPeerDialer::Hooks static_peer_hooks();
  std::optional<std::string> refuse_static_peer(const asio::ip::address& address);
  // (ip, port) is no longer linked nor being connected to.
  void release_endpoint(const std::string& ip, std::uint16_t port);
  void release_app_id(const std::string& app_id);  // one instance

  asio::io_context& io_;
  AgentOptions options_;
  std::unique_ptr<Matcher> matcher_;
  Logger& log_;
  AgentListener* listener_;
  Discovery discovery_;
  Acceptor acceptor_;
  std::string app_id_;
  asio::steady_timer shutdown_timer_;
  std::function<void()> stop_done_;
  bool stopping_ = false;
  bool started_ = false;

  std::map<int, std::string> subscriptions_;
  int next_subscription_id_ = 0;
  PeerKey next_key_ = 1;
  std::unordered_map<PeerKey, std::unique_ptr<Link>> links_;
  // (ip, listen port) of peers linked or being connected to, and their
  // app-ids: announcements for these are ignored (§2.6 REC).
  std::set<std::pair<std::string, std::uint16_t>> endpoints_;
  std::multiset<std::string> app_ids_;  // one per link or dial (a restarted agent may have two)
  std::vector<Hit> hits_;  // reused by send()
  // Handlers that may outlive the agent (an async connect) hold a weak
  // reference to this and do nothing once it has expired.
  std::shared_ptr<int> life_ = std::make_shared<int>(0);
  Counters counters_;
  StaticPeerDialer static_peers_;  // last: its hooks use the members above
};

}  // namespace ivy::daemon
