#pragma once
// LinkBridge: an ivyd<->ivyd bridge (docs/bridge.md). The local side is a
// BusSide on the local bus; the far side is another ivyd over one TCP link
// (LinkConnection), which this bridge either dials (addresses tried in turn,
// jittered exponential backoff: core/backoff.hpp) or listens for.
//
//   local bus --tap--> policy(out) --> [outage buffer] --> link --> far ivyd
//   local bus <--emitter-- policy(in) <-- dedup <-- link <-- far ivyd
//
// Messages carry (origin instance, seq): a message that comes back to the
// instance that first sent it, or one already seen from an instance, is
// never emitted again. Interest: the local bus's interest is always sent to
// the far side (I0 + I+ on connect, then I+ / I- as agents bind and unbind);
// outbound messages are filtered by the far side's interest when this side
// is in interest mode or the far side asked for it (hello `interest 1`).
//
// TLS (options.tls): every new connection first goes through a LinkOpening
// (TLS handshake, both certificates checked, bounded by handshake_timeout);
// a refusal is logged once with its reason and counted (`rejected`), and the
// dialer backs off as after any failure. reload_tls() (SIGHUP) loads the
// certificate, key and CA files again for the next handshakes.
//
// While the link is down, outbound messages wait in a bounded buffer
// (`outage_buffer_bytes`; when full the oldest are dropped and counted) and
// are sent after the next handshake. Nothing ever blocks either bus.
//
// Ownership: the BusPort must outlive the bridge. Everything runs on the
// io_context thread; stop() cancels every timer and closes the link.

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/backoff.hpp"
#include "core/bridge_policy.hpp"
#include "core/outage_buffer.hpp"
#include "core/pattern_set.hpp"
#include "daemon/bridges/bridge_types.hpp"
#include "daemon/bridges/bus_side.hpp"
#include "daemon/bridges/link/link_connection.hpp"
#include "daemon/bridges/link/link_opening.hpp"
#include "daemon/bridges/link/tls_context.hpp"

namespace ivy::daemon {

struct LinkBridgeOptions {
  std::string id;
  BridgePolicyOptions policy;
  BridgeMode mode = BridgeMode::kAll;
  std::string local_name;   // our emitter on the local bus; "" = the far side's wish, else the bus agent
  std::string remote_name;  // asked of the far ivyd for our messages on its bus
  std::string instance_id;  // this ivyd, unique (host, pid, start time)
  LinkConnection::Role role = LinkConnection::Role::kDialer;
  std::string listen;              // "host:port" (listener)
  std::vector<std::string> dial;   // "host:port"... (dialer)
  std::string token;
  std::chrono::milliseconds reconnect_min{1000};
  std::chrono::milliseconds reconnect_max{30000};
  std::chrono::milliseconds keepalive{15000};
  std::chrono::milliseconds connect_timeout{5000};
  // TLS handshake, then hello: each must be done within this.
  std::chrono::milliseconds handshake_timeout{5000};
  std::optional<TlsSettings> tls;  // absent: plaintext
  std::uint64_t outage_buffer_bytes = 1024 * 1024;
  TcpPeer::Options io;
  PeerKey first_peer_key = 0;  // for a dedicated emitter
  std::function<bool(const asio::ip::address&)> allow_peer;  // empty: all
};

class LinkBridge {
 public:
  // Accepted connections still in their TLS handshake or hello, at most.
  static constexpr std::size_t kMaxUnfinishedConnections = 16;

  LinkBridge(asio::io_context& io, LinkBridgeOptions options, BusPort local, Logger& log, BridgeHooks hooks = {});
  ~LinkBridge();
  LinkBridge(const LinkBridge&) = delete;
  LinkBridge& operator=(const LinkBridge&) = delete;

  Status start();
  void stop();
  // Loads the TLS files again (certificate rotation); the next handshakes
  // use them, links up stay up. On failure the files in use are kept and the
  // error says why. Nothing to do without TLS.
  Status reload_tls();

  BridgeStatus status() const;
  const LinkBridgeOptions& options() const { return options_; }
  // The TCP port listened on (role listen), for tests with port 0.
  std::uint16_t listen_port() const;

 private:
  Status open_listener();
  void accept();
  void dial();
  void schedule_dial();
  void adopt(tcp::socket socket);
  void on_opened(const std::shared_ptr<LinkOpening>& opening, Result<LinkOpening::Opened> opened);
  void connect(LinkOpening::Opened opened);
  LinkTlsStatus tls_status() const;
  void log_tls_warnings(const TlsContext& context);
  void on_ready(const std::shared_ptr<LinkConnection>& conn, const link::Hello& theirs);
  void on_closed(const std::shared_ptr<LinkConnection>& conn, const std::string& why, bool rejected);
  void on_frame(link::Frame& frame);
  void on_local_text(const std::string& origin_agent, const std::string& text);
  void on_local_interest(const InterestChanges& changes);
  void on_remote_message(link::Message& m);
  void send_or_buffer(std::string frame);
  void flush_buffer();
  void use_emitter_name(const std::string& wish);
  bool remote_filters() const;

  asio::io_context& io_;
  LinkBridgeOptions options_;
  BusPort port_;
  Logger& log_;
  BridgeHooks hooks_;
  std::optional<BridgePolicy> policy_;
  std::unique_ptr<BusSide> side_;
  std::string emitter_name_;
  tcp::acceptor acceptor_;
  tcp::resolver resolver_;
  asio::steady_timer dial_timer_;
  std::shared_ptr<tcp::socket> dialing_;
  std::shared_ptr<TlsContext> tls_;  // null: plaintext
  std::vector<std::shared_ptr<LinkOpening>> openings_;  // connections before their LinkConnection
  std::shared_ptr<LinkConnection> conn_;
  std::vector<std::shared_ptr<LinkConnection>> pending_;  // accepted, hello not checked yet
  Backoff backoff_;
  std::mt19937_64 random_{std::random_device{}()};
  std::size_t dial_index_ = 0;
  bool running_ = false;
  bool far_wants_interest_ = false;
  bool evicting_ = false;  // the oldest unfinished connections are being closed
  PatternSet remote_interest_;
  OutageBuffer<std::string> buffer_;
  std::uint64_t next_seq_ = 1;
  std::map<std::string, std::uint64_t> last_seq_;  // per origin instance
  std::string far_label_;
  BridgeCounters counters_;
  std::shared_ptr<int> life_ = std::make_shared<int>(0);
};

// Splits "host:port", "[v6]:port" into host and port; nullopt if malformed.
std::optional<std::pair<std::string, std::uint16_t>> split_host_port(const std::string& text);

}  // namespace ivy::daemon
