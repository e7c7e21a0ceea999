#include "daemon/agent/static_peer_dialer.hpp"

namespace ivy::daemon {

struct StaticPeerDialer::Peer {
  enum class State { kIdle, kResolving, kConnecting, kLinked, kWaiting };

  Peer(asio::io_context& io, std::string peer_host, std::uint16_t peer_port, const Options& o)
      : host(std::move(peer_host)),
        port(peer_port),
        resolver(io),
        connect_timer(io),
        retry_timer(io),
        backoff(o.backoff_min, o.backoff_max) {}

  std::string label() const {
    return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  }

  std::string host;
  std::uint16_t port;
  tcp::resolver resolver;
  asio::steady_timer connect_timer;
  asio::steady_timer retry_timer;
  std::shared_ptr<tcp::socket> socket;  // while connecting
  std::string ip;                       // claimed while connecting or linked
  Backoff backoff;
  State state = State::kIdle;
  bool timed_out = false;
  bool warned = false;  // this run of failures already has its warning
  std::uint32_t failures = 0;
  std::chrono::steady_clock::time_point linked_at;
};

namespace {

asio::ip::address unmapped(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  }
  return a;
}

}  // namespace

StaticPeerDialer::StaticPeerDialer(asio::io_context& io, Logger& log, Options options, Hooks hooks)
    : io_(io), log_(log), options_(std::move(options)), hooks_(std::move(hooks)) {}

StaticPeerDialer::~StaticPeerDialer() { stop(); }

void StaticPeerDialer::add(std::string host, std::uint16_t port) {
  peers_.push_back(std::make_unique<Peer>(io_, std::move(host), port, options_));
  if (running_) dial(*peers_.back());
}

void StaticPeerDialer::start() {
  if (stopped_ || running_) return;
  running_ = true;
  for (auto& peer : peers_) dial(*peer);
}

void StaticPeerDialer::stop() {
  running_ = false;
  stopped_ = true;
  for (auto& peer : peers_) {
    peer->resolver.cancel();
    peer->connect_timer.cancel();
    peer->retry_timer.cancel();
    if (peer->socket) {
      error_code ignored;
      peer->socket->close(ignored);
      peer->socket.reset();
    }
  }
}

std::size_t StaticPeerDialer::linked() const {
  std::size_t n = 0;
  for (const auto& peer : peers_) n += peer->state == Peer::State::kLinked;
  return n;
}

void StaticPeerDialer::dial(Peer& peer) {
  if (!running_) return;
  peer.state = Peer::State::kResolving;
  error_code ec;
  const auto numeric = asio::ip::make_address(peer.host, ec);
  if (!ec) return connect(peer, numeric);
  peer.resolver.async_resolve(
      peer.host, std::to_string(peer.port),
      [this, life = std::weak_ptr<int>(life_), p = &peer](const error_code& e, tcp::resolver::results_type results) {
        if (life.expired() || !running_) return;
        if (e) return fail(*p, "cannot resolve: " + e.message());
        const auto address = pick(results);
        if (!address) return fail(*p, "cannot resolve: no address");
        connect(*p, *address);
      });
}

// The bus's address family first: an IPv4 bus has an IPv4 listener, and an
// agent on it most likely too ("localhost" gives ::1 first).
std::optional<asio::ip::address> StaticPeerDialer::pick(const tcp::resolver::results_type& results) const {
  std::optional<asio::ip::address> first;
  for (const auto& entry : results) {
    const auto address = entry.endpoint().address();
    if (address.is_v6() == options_.prefer_ipv6) return address;
    if (!first) first = address;
  }
  return first;
}

void StaticPeerDialer::connect(Peer& peer, const asio::ip::address& raw) {
  const auto address = unmapped(raw);
  if (hooks_.refuse) {
    if (auto why = hooks_.refuse(address)) return fail(peer, *why);
  }
  peer.ip = address.to_string();
  if (!hooks_.claim(peer.ip, peer.port)) {
    // Discovery got there first (or is connecting): no second link. The
    // agent calls released() when that link goes.
    peer.state = Peer::State::kLinked;
    peer.linked_at = std::chrono::steady_clock::now();
    log_.debug(options_.label + "static peer " + peer.label() + " is already linked; no second link");
    return;
  }
  peer.state = Peer::State::kConnecting;
  peer.timed_out = false;
  auto socket = std::make_shared<tcp::socket>(io_);
  peer.socket = socket;
  peer.connect_timer.expires_after(options_.connect_timeout);
  peer.connect_timer.async_wait([life = std::weak_ptr<int>(life_), p = &peer, socket](const error_code& ec) {
    if (ec || life.expired() || p->socket != socket) return;
    p->timed_out = true;
    error_code ignored;
    socket->close(ignored);  // the connect completes with operation_aborted
  });
  socket->async_connect(tcp::endpoint(address, peer.port),
                        [this, life = std::weak_ptr<int>(life_), p = &peer, socket](const error_code& ec) {
                          if (life.expired() || !running_ || p->socket != socket) return;
                          on_connect(*p, ec, p->timed_out);
                        });
}

void StaticPeerDialer::on_connect(Peer& peer, const error_code& ec, bool timed_out) {
  peer.connect_timer.cancel();
  auto socket = std::move(peer.socket);
  if (ec) {
    hooks_.unclaim(peer.ip, peer.port);
    return fail(peer, "cannot connect: " + (timed_out ? std::string("timed out") : ec.message()));
  }
  log_.info(options_.label + "static peer " + peer.label() + ": connected" +
            (peer.failures ? " after " + std::to_string(peer.failures) + " failed attempts" : std::string()));
  peer.state = Peer::State::kLinked;
  peer.linked_at = std::chrono::steady_clock::now();
  peer.failures = 0;
  peer.warned = false;
  hooks_.adopt(std::move(*socket), peer.ip, peer.port);
}

void StaticPeerDialer::fail(Peer& peer, const std::string& why) {
  ++peer.failures;
  if (!peer.warned) {
    peer.warned = true;
    log_.warning(options_.label + "static peer " + peer.label() + ": " + why + "; retrying (every " +
                 std::to_string(options_.backoff_max.count() / 1000) + " s at most, further failures at debug level)");
  } else {
    log_.debug(options_.label + "static peer " + peer.label() + ": attempt " + std::to_string(peer.failures) +
               ": " + why);
  }
  schedule(peer);
}

void StaticPeerDialer::schedule(Peer& peer) {
  if (!running_) return;
  peer.state = Peer::State::kWaiting;
  const auto delay = peer.backoff.next(std::uniform_real_distribution<double>(0.0, 1.0)(random_));
  peer.retry_timer.expires_after(delay);
  peer.retry_timer.async_wait([this, life = std::weak_ptr<int>(life_), p = &peer](const error_code& ec) {
    if (ec || life.expired() || !running_) return;
    dial(*p);
  });
}

void StaticPeerDialer::released(const std::string& ip, std::uint16_t port) {
  if (!running_) return;
  for (auto& peer : peers_) {
    if (peer->state != Peer::State::kLinked || peer->ip != ip || peer->port != port) continue;
    if (std::chrono::steady_clock::now() - peer->linked_at >= options_.stable_link) peer->backoff.reset();
    log_.debug(options_.label + "static peer " + peer->label() + ": link gone; redialling");
    schedule(*peer);
  }
}

}  // namespace ivy::daemon
