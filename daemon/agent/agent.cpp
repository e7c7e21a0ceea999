#include "daemon/agent/agent.hpp"

#include <random>

#include "core/announcement.hpp"
#include "core/codec.hpp"
#include "daemon/agent/agent_link.hpp"

namespace ivy::daemon {

namespace {

constexpr std::uint64_t kMalformedLogged = 10;  // per link, before thinning out

std::string make_our_app_id(std::uint16_t port) {
  std::random_device rd;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  return make_app_id(rd() & 0x7fffffff, static_cast<std::uint64_t>(ms), port);
}

std::string endpoint_text(const asio::ip::address& address, std::uint16_t port) {
  return address.to_string() + ":" + std::to_string(port);
}

// Why a link closed, for its log line: "eof", "reset: Connection reset by
// peer", ... A timeout says what it means: nobody answered at all.
std::string close_description(const TcpPeer& peer, CloseReason reason, const error_code& ec) {
  std::string text(close_reason_name(reason));
  if (ec) text += ": " + ec.message();
  if (reason == CloseReason::kTimeout && peer.keepalive().enabled()) {
    text += "; nothing acknowledged for " + std::to_string(peer.keepalive().detection_bound().count()) +
            " s (TCP keepalive, user timeout): its host is gone or unreachable";
  } else if (reason == CloseReason::kTimeout) {
    text += "; the kernel gave up retransmitting: its host is gone or unreachable";
  }
  return text;
}

}  // namespace

Agent::Agent(asio::io_context& io, AgentOptions options, std::unique_ptr<Matcher> matcher, Logger& log,
             AgentListener* listener)
    : io_(io),
      options_(std::move(options)),
      matcher_(std::move(matcher)),
      log_(log),
      listener_(listener),
      discovery_(io, options_.bus, log,
                 [this](const Announcement& a, const asio::ip::address& from) { on_announcement(a, from); }),
      acceptor_(io, log, [this](tcp::socket socket) { on_accepted(std::move(socket)); }),
      shutdown_timer_(io),
      next_key_(options_.first_peer_key),
      static_peers_(io, log,
                    {options_.connect_timeout, options_.static_peer_retry_min, options_.static_peer_retry_max,
                     std::chrono::seconds(10), options_.bus.ipv6, "bus " + options_.bus.to_string() + ": "},
                    static_peer_hooks()) {
  // A background matcher (Hyperscan) tells when a compile or a cache load
  // finished; it is installed on this thread even if no message flows. The
  // hook runs on the worker thread: it copies what it needs and only posts.
  matcher_->set_wakeup([&io = io_, this, life = std::weak_ptr<int>(life_)] {
    asio::post(io, [this, life] {
      if (!life.expired()) matcher_->poll();
    });
  });
}

Agent::~Agent() {
  matcher_->set_wakeup(nullptr);  // waits for a hook call in progress
  for (auto& [key, link] : links_) {
    for (auto& [id, ping] : link->pings) ping.timer->cancel();
  }
  // Links still open are cut without callbacks into a half-destroyed agent.
  listener_ = nullptr;
  static_peers_.stop();
  auto links = std::move(links_);
  for (auto& [key, link] : links) link->io->stop(CloseReason::kLocal);
}

Status Agent::start() {
  if (auto st = acceptor_.open(options_.bus.ipv6, options_.tcp_port); !st) return st;
  if (auto st = discovery_.open(); !st) {
    acceptor_.close();
    return st;
  }
  for (const auto& warning : options_.bus.warnings) log_.warning("bus " + options_.bus.to_string() + ": " + warning);
  app_id_ = make_our_app_id(acceptor_.port());
  auto datagram = format_announcement(acceptor_.port(), app_id_, options_.name);
  if (!datagram) {
    acceptor_.close();
    discovery_.close();
    return fail("cannot announce: " + datagram.error().message);
  }
  started_ = true;
  log_.info("agent '" + options_.name + "' listening on TCP port " + std::to_string(acceptor_.port()) +
            ", app-id " + app_id_);
  discovery_.announce(*datagram);
  static_peers_.start();
  return {};
}

void Agent::stop(std::function<void()> done) {
  if (stopping_) return;
  stopping_ = true;
  stop_done_ = std::move(done);
  acceptor_.close();
  discovery_.close();
  static_peers_.stop();
  const std::string bye = format_bye();
  std::vector<std::shared_ptr<TcpPeer>> open_links;
  for (auto& [key, link] : links_) open_links.push_back(link->io);
  for (auto& io : open_links) {
    io->send(bye);
    io->close_after_flush();
  }
  if (links_.empty()) {
    finish_stop();
    return;
  }
  shutdown_timer_.expires_after(options_.shutdown_grace);
  shutdown_timer_.async_wait([this](const error_code& ec) {
    if (ec) return;
    std::vector<std::shared_ptr<TcpPeer>> stuck;
    for (auto& [key, link] : links_) stuck.push_back(link->io);
    for (auto& io : stuck) io->stop(CloseReason::kLocal);
  });
}

void Agent::finish_stop() {
  shutdown_timer_.cancel();
  if (auto done = std::move(stop_done_)) {
    stop_done_ = nullptr;
    done();
  }
}

// --- discovery and links -------------------------------------------------

void Agent::on_announcement(const Announcement& a, const asio::ip::address& from) {
  if (stopping_) return;
  if (!a.app_id.empty() && a.app_id == app_id_) return;  // our own announcement
  const auto address = from.is_v6() && from.to_v6().is_v4_mapped()
                           ? asio::ip::address(asio::ip::make_address_v4(asio::ip::v4_mapped, from.to_v6()))
                           : from;
  if (!a.app_id.empty() && app_ids_.count(a.app_id) && !announced_from_new_port(a, address)) return;
  if (endpoints_.count({address.to_string(), a.port})) return;
  if (options_.allow_peer && !options_.allow_peer(address)) {
    ++counters_.denied_peers;
    log_.warning("ignored the announcement of " + a.app_name + " from " + endpoint_text(address, a.port) +
                 ": address not in allowed_networks");
    return;
  }
  if (links_.size() >= options_.max_peers) {
    ++counters_.refused_peers;
    log_.warning("not connecting to " + a.app_name + " at " + endpoint_text(address, a.port) +
                 ": the limit of " + std::to_string(options_.max_peers) + " peers is reached");
    return;
  }
  log_.debug("heard " + (a.app_name.empty() ? std::string("a legacy agent") : a.app_name) + " at " +
             endpoint_text(address, a.port));
  connect_to(address, a.port, a.app_id, a.app_name);
}

// An app id is one agent process (ivy-c and ivy-python even put its port in
// it), so the same app id announced from the same host on another port is
// that agent restarted by a library that keeps its id, its old link
// half-open (the host froze, a NAT forgot it) or its old process frozen.
// Until the old link closed the announcement was ignored and the restarted
// agent lost; now the new port is dialled. The old link is left alone: the
// datagram is unauthenticated, and anyone on the host could forge it to cut
// a healthy link. A dead old link is closed by TCP keepalive (within 1.5 x
// tcp_keepalive_seconds). The same id from another host is ignored.
bool Agent::announced_from_new_port(const Announcement& a, const asio::ip::address& from) {
  const Link* old = nullptr;
  for (const auto& [key, link] : links_) {
    const auto& who = link->who();
    if (who.app_id != a.app_id) continue;
    const std::uint16_t port = link->announced_port ? link->announced_port : who.port;
    if (who.ip != from.to_string() || port == a.port) return false;  // a repeat, or another host
    old = link.get();
  }
  if (old == nullptr) return false;  // still being dialled
  ++counters_.reannounced_app_ids;
  log_.log(counters_.reannounced_app_ids <= 20 ? LogLevel::kNotice : LogLevel::kDebug,
           old->who().display() + " announced itself again on port " + std::to_string(a.port) +
               " with the same app-id (restarted?): dialling the new port; the old link stays until it closes");
  return true;
}

void Agent::connect_to(const asio::ip::address& address, std::uint16_t port, std::string app_id, std::string name) {
  endpoints_.insert({address.to_string(), port});
  if (!app_id.empty()) app_ids_.insert(app_id);
  auto socket = std::make_shared<tcp::socket>(io_);
  auto timer = std::make_shared<asio::steady_timer>(io_, options_.connect_timeout);
  timer->async_wait([socket](const error_code& ec) {
    if (!ec) {
      error_code ignored;
      socket->close(ignored);  // the connect completes with operation_aborted
    }
  });
  const tcp::endpoint endpoint(address, port);
  socket->async_connect(endpoint, [this, life = std::weak_ptr<int>(life_), socket, timer, endpoint,
                                   app_id = std::move(app_id), name = std::move(name)](const error_code& ec) mutable {
    if (life.expired()) return;  // the agent is gone
    const bool timed_out = timer->expiry() <= std::chrono::steady_clock::now() && ec;
    timer->cancel();
    if (ec || stopping_) {
      release_endpoint(endpoint.address().to_string(), endpoint.port());
      if (!app_id.empty()) release_app_id(app_id);
      if (stopping_) return;
      ++counters_.connect_failures;
      // Announcements are unauthenticated: thin the log out under a flood.
      const bool loud = counters_.connect_failures <= 20 || counters_.connect_failures % 100 == 0;
      log_.log(loud ? LogLevel::kWarning : LogLevel::kDebug, "cannot connect back to " + (name.empty() ? std::string("agent") : "'" + name + "'") +
                   " announced at " + endpoint_text(endpoint.address(), endpoint.port()) + ": " +
                   (timed_out ? std::string("timed out") : ec.message()) +
                   ". If that agent is behind NAT, in a container or on another network, its announced "
                   "address is not reachable from here: add it to the bus's static_peers or bridge the "
                   "networks");
      return;
    }
    PeerIdentity identity{endpoint.address().to_string(), endpoint.port(), app_id, name, {}};
    auto& link = add_link(std::move(*socket), true, std::move(identity));
    link.announced_port = endpoint.port();
  });
}

void Agent::release_app_id(const std::string& app_id) {
  if (auto it = app_ids_.find(app_id); it != app_ids_.end()) app_ids_.erase(it);
}

void Agent::release_endpoint(const std::string& ip, std::uint16_t port) {
  endpoints_.erase({ip, port});
  static_peers_.released(ip, port);
}

// --- static peers (issue 7) ------------------------------------------------

void Agent::add_static_peer(std::string host, std::uint16_t port) { static_peers_.add(std::move(host), port); }

// The (ip, port) claim is the same set discovery checks, so whichever of the
// two connects first is the only link (§2.6 REC).
StaticPeerDialer::Hooks Agent::static_peer_hooks() {
  StaticPeerDialer::Hooks hooks;
  hooks.claim = [this](const std::string& ip, std::uint16_t port) {
    return !stopping_ && endpoints_.insert({ip, port}).second;
  };
  hooks.unclaim = [this](const std::string& ip, std::uint16_t port) { endpoints_.erase({ip, port}); };
  hooks.refuse = [this](const asio::ip::address& address) { return refuse_static_peer(address); };
  hooks.adopt = [this](tcp::socket socket, const std::string& ip, std::uint16_t port) {
    auto& link = add_link(std::move(socket), true, PeerIdentity{ip, port, {}, {}, {}});
    link.announced_port = port;
  };
  return hooks;
}

std::optional<std::string> Agent::refuse_static_peer(const asio::ip::address& address) {
  if (options_.allow_peer && !options_.allow_peer(address)) {
    ++counters_.denied_peers;
    return "address " + address.to_string() + " not in allowed_networks";
  }
  if (links_.size() >= options_.max_peers) {
    ++counters_.refused_peers;
    return "the limit of " + std::to_string(options_.max_peers) + " peers is reached";
  }
  return std::nullopt;
}

void Agent::on_accepted(tcp::socket socket) {
  if (stopping_) return;
  error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (ec) return;  // already gone
  if (options_.allow_peer && !options_.allow_peer(remote.address())) {
    ++counters_.denied_peers;
    log_.warning("refused a connection from " + endpoint_text(remote.address(), remote.port()) +
                 ": address not in allowed_networks");
    return;
  }
  if (links_.size() >= options_.max_peers) {
    ++counters_.refused_peers;
    log_.warning("refusing a connection from " + endpoint_text(remote.address(), remote.port()) +
                 ": the limit of " + std::to_string(options_.max_peers) + " peers is reached");
    return;  // the socket closes here
  }
  // Until START_REGEXP tells its name and listen port, ivy-c calls an
  // accepted peer " <host>:<port>"; the port here is its ephemeral one.
  PeerIdentity identity{remote.address().to_string(), 0, {}, {}, {}};
  add_link(std::move(socket), false, std::move(identity));
}

Agent::Link& Agent::add_link(tcp::socket socket, bool outgoing, PeerIdentity identity) {
  const PeerKey key = next_key_++;
  TcpPeer::Handler& handler = *this;
  auto io = std::make_shared<TcpPeer>(std::move(socket), key, handler, options_.link);
  auto link = std::make_unique<Link>(io, PeerSession(std::move(identity), options_.peer_limits), outgoing);
  auto& ref = *link;
  links_.emplace(key, std::move(link));
  arm_handshake_timer(ref);
  auto handshake = PeerSession::handshake(acceptor_.port(), options_.name, subscriptions_);
  if (handshake) io->send(std::move(*handshake));
  else log_.error("cannot send our handshake: " + handshake.error().message);
  io->start();
  return ref;
}

// A link that never completes its handshake (a silent or hostile
// connection) would hold a max_peers slot forever: close it after
// handshake_timeout.
void Agent::arm_handshake_timer(Link& link) {
  if (options_.handshake_timeout.count() <= 0) return;
  link.handshake_timer = std::make_unique<asio::steady_timer>(io_, options_.handshake_timeout);
  link.handshake_timer->async_wait([this, life = std::weak_ptr<int>(life_), key = link.key()](const error_code& ec) {
    if (ec || life.expired()) return;
    Link* l = find_link(key);
    if (!l || l->session.state() != PeerSession::State::kHandshaking) return;
    ++counters_.handshake_timeouts;
    log_.log(counters_.handshake_timeouts <= 20 ? LogLevel::kWarning : LogLevel::kDebug,
             "closing the link from " + endpoint_text(l->io->remote().address(), l->io->remote().port()) +
                 ": no complete handshake within " + std::to_string(options_.handshake_timeout.count()) + " ms");
    l->io->stop(CloseReason::kError);
  });
}

Agent::Link* Agent::find_link(PeerKey key) {
  auto it = links_.find(key);
  return it == links_.end() ? nullptr : it->second.get();
}

const Agent::Link* Agent::find_link(PeerKey key) const {
  auto it = links_.find(key);
  return it == links_.end() ? nullptr : it->second.get();
}

std::map<int, std::string> Agent::peer_subscriptions(PeerKey key) const {
  const Link* link = find_link(key);
  return link ? link->session.regexps() : std::map<int, std::string>{};
}

void Agent::on_peer_line(TcpPeer& peer, std::string_view line) {
  Link* link = find_link(peer.key());
  if (!link) return;
  link->last_seen = std::chrono::steady_clock::now();
  if (const auto oversized = peer.oversized_frames(); oversized != link->oversized_frames) {
    // The framer skipped lines over max_frame_bytes since the last line.
    counters_.oversized_frames += oversized - link->oversized_frames;
    link->oversized_frames = oversized;
    if (oversized <= kMalformedLogged || oversized % 1000 == 0) {
      log_.warning("skipped a line longer than max_frame_bytes (" + std::to_string(peer.max_frame_bytes()) +
                   " bytes) from " + link->who().display() + "; link kept (" + std::to_string(oversized) +
                   " so far)");
    }
  }
  PeerOutput out = link->session.on_line(line);
  if (!out.reply.empty()) {
    peer.send(std::move(out.reply));
    link = find_link(peer.key());  // a send may close a stalled link
    if (!link) return;
  }
  if (out.event) handle_event(*link, *out.event);
  // `link` may be gone now (BYE, duplicate): nothing below may use it.
}

void Agent::on_peer_closed(TcpPeer& peer, CloseReason reason, const error_code& ec) {
  auto it = links_.find(peer.key());
  if (it == links_.end()) return;
  std::unique_ptr<Link> link = std::move(it->second);
  links_.erase(it);
  link->session.close();
  if (link->handshake_timer) link->handshake_timer->cancel();
  for (auto& [id, ping] : link->pings) ping.timer->cancel();
  matcher_->remove_peer(peer.key());
  const auto& who = link->who();
  if (reason != CloseReason::kDuplicate) {
    release_endpoint(who.ip, link->announced_port ? link->announced_port : who.port);
    if (!who.app_id.empty()) release_app_id(who.app_id);
  }
  if (reason == CloseReason::kStalled) log_stalled(peer, who);
  const bool introduced = link->session.started() && reason != CloseReason::kDuplicate;
  if (link->connected || introduced) {
    const std::string line = who.display() + " disconnected (" + close_description(peer, reason, ec) + ")";
    reason == CloseReason::kTimeout ? log_.warning(line) : log_.info(line);
    if (listener_) listener_->on_disconnected(peer.key(), who, reason);
  }
  if (stopping_ && links_.empty()) finish_stop();
}

void Agent::log_stalled(const TcpPeer& peer, const PeerIdentity& who) {
  ++counters_.stalled_links;
  const auto& o = peer.options();
  log_.log(counters_.stalled_links <= 20 ? LogLevel::kWarning : LogLevel::kDebug,
           "closing the link to " + who.display() + ": no write progress for " +
               std::to_string(o.stall_timeout.count()) + " ms since frames were dropped for it (outbound queue " +
               "limit " + std::to_string(o.max_queue_bytes) + " bytes); " + std::to_string(peer.dropped_frames()) +
               " frames dropped in all");
}

void Agent::on_peer_dropped(TcpPeer& peer) {
  const Link* link = find_link(peer.key());
  if (link && listener_) listener_->on_frame_dropped(peer.key(), link->who());
}

void Agent::on_peer_drained(TcpPeer& peer) {
  const Link* link = find_link(peer.key());
  if (link && listener_) listener_->on_queue_drained(peer.key(), link->who());
}

// --- peer events ---------------------------------------------------------

void Agent::handle_event(Link& link, PeerEvent& event) {
  namespace pe = peer_event;
  const PeerKey key = link.key();
  if (auto* m = std::get_if<pe::Message>(&event)) return on_msg(link, *m);
  if (std::holds_alternative<pe::Started>(event)) return on_started(link);
  if (std::holds_alternative<pe::Ready>(event)) return on_ready(link);
  if (auto* a = std::get_if<pe::SubscriptionAdded>(&event)) return on_subscription(link, *a);
  if (auto* r = std::get_if<pe::SubscriptionRemoved>(&event)) {
    matcher_->remove(key, r->id);
    if (listener_) listener_->on_subscription_removed(key, link.who(), r->id, r->pattern);
    return;
  }
  if (auto* r = std::get_if<pe::SubscriptionRefused>(&event)) {
    ++counters_.refused_subscriptions;
    // Thinned out like malformed lines: 100,000 ADDs must not be 100,000 log lines.
    const auto n = ++link.refused_subscriptions;
    if (n <= kMalformedLogged || n % 1000 == 0) {
      log_.warning("ignored subscription " + std::to_string(r->id) + " of " + link.who().display() + ": " +
                   r->reason + (n > 1 ? " (" + std::to_string(n) + " so far)" : std::string()));
    }
    return;
  }
  if (auto* d = std::get_if<pe::Direct>(&event)) {
    if (listener_) listener_->on_direct(key, link.who(), d->id, d->text);
    return;
  }
  if (auto* d = std::get_if<pe::Die>(&event)) return on_die(link, d->id);
  if (auto* p = std::get_if<pe::Pong>(&event)) return on_pong(link, p->id);
  if (auto* e = std::get_if<pe::PeerError>(&event)) {
    log_.warning("error from " + link.who().display() + ": " + std::to_string(e->id) + " " + line_snippet(e->text, 200));
    if (listener_) listener_->on_peer_error(key, link.who(), e->id, e->text);
    return;
  }
  if (std::holds_alternative<pe::Bye>(event)) {
    link.io->stop(CloseReason::kBye);
    return;
  }
  if (auto* m = std::get_if<pe::Malformed>(&event)) {
    ++counters_.malformed_lines;
    // The first few per link, then one line per thousand: a hostile peer
    // must not be able to flood the journal.
    const auto n = link.session.malformed_lines();
    if (n <= kMalformedLogged || n % 1000 == 0) {
      log_.warning("malformed line from " + link.who().display() + " (" + m->reason + "): '" + m->snippet +
                   "'; link kept" + (n > 1 ? " (" + std::to_string(n) + " so far)" : std::string()));
    }
    return;
  }
  if (auto* u = std::get_if<pe::UnknownType>(&event)) {
    log_.debug("ignored frame of unknown type " + std::to_string(u->type) + " from " + link.who().display());
    return;
  }
  if (auto* s = std::get_if<pe::IllegalState>(&event)) {
    log_.warning(s->reason);
    return;
  }
  // Ping: the PONG reply was queued by on_peer_line.
}

// When two links lead to the same agent, both sides must close the same
// one: keep the link initiated by the agent with the lower (ip, port).
bool Agent::keep_new_link(const Link& existing, const Link& fresh) const {
  if (existing.outgoing == fresh.outgoing) return false;  // keep the older
  const auto& who = fresh.who();
  const std::pair<std::string, std::uint16_t> ours{fresh.io->local().address().to_string(), acceptor_.port()};
  const std::pair<std::string, std::uint16_t> theirs{who.ip, who.port};
  const bool we_initiate = ours < theirs;
  return fresh.outgoing == we_initiate;
}

void Agent::on_started(Link& link) {
  auto& who = link.session.identity();
  if (link.outgoing && link.announced_port && who.port != link.announced_port) {
    log_.debug(who.display() + " announced port " + std::to_string(link.announced_port));
  }
  // Now this link's agent is known by (ip, listen port), so a second link to
  // the same agent can be spotted. Both directions check: whichever of the
  // two links gets its START last finds the other one (§5.4).
  const auto listen_port = [](const Link& l) { return l.announced_port ? l.announced_port : l.who().port; };
  const std::uint16_t port = listen_port(link);
  for (auto& [key, other] : links_) {
    if (port == 0 || other.get() == &link || !other->session.started()) continue;
    if (other->who().ip != who.ip || listen_port(*other) != port) continue;
    ++counters_.duplicate_links;
    const bool keep_fresh = keep_new_link(*other, link);
    log_.debug("two links to " + who.display() + ": closing the " + (keep_fresh ? "older" : "newer") + " one");
    Link& kept = keep_fresh ? link : *other;
    Link& closed = keep_fresh ? *other : link;
    // A duplicate's close releases neither its endpoint nor its app id: they
    // stay with the agent, through the kept link, which releases them when it
    // closes. An accepted link knows no app id: it takes the dialled one's.
    if (kept.session.identity().app_id.empty()) kept.session.identity().app_id = closed.who().app_id;
    closed.io->stop(CloseReason::kDuplicate);
    return;
  }
  if (!link.outgoing) endpoints_.insert({who.ip, who.port});
}

void Agent::on_ready(Link& link) {
  link.connected = true;
  if (link.handshake_timer) link.handshake_timer->cancel();
  // The peer's subscriptions are all in (END_REGEXP): compile them, or load
  // them from the cache, now rather than after the next messages.
  matcher_->batch_done();
  const PeerKey key = link.key();
  log_.info(link.who().display() + " connected");
  if (listener_) listener_->on_connected(key, link.who());
  if (options_.ready_message.empty() || !find_link(key)) return;
  hits_.clear();
  matcher_->match_peer(key, options_.ready_message, options_.capture_mode, hits_);
  send_frames_to(key, hits_);
}

void Agent::on_subscription(Link& link, peer_event::SubscriptionAdded& added) {
  const PeerKey key = link.key();
  auto st = matcher_->add(key, added.id, added.pattern);
  if (!st) {
    const auto& err = st.error();
    log_.warning("cannot compile regexp " + std::to_string(added.id) + " of " + link.who().display() + " '" +
                 line_snippet(added.pattern, 200) + "': " + err.message + " at offset " + std::to_string(err.offset) +
                 "; sent ERROR, link kept");
    const PeerIdentity who = link.who();
    link.io->send(format_compile_error(err.offset, added.pattern, err.message));  // may close the link
    if (listener_) listener_->on_subscription_error(key, who, added.id, added.pattern, err);
    return;
  }
  if (listener_) listener_->on_subscription_added(key, link.who(), added.id, added.pattern);
}

void Agent::on_msg(Link& link, peer_event::Message& message) {
  if (!subscriptions_.count(message.id)) {
    ++counters_.unknown_msg_ids;  // a late MSG for an id we unsubscribed
    return;
  }
  ++counters_.messages_received;
  if (listener_) listener_->on_message(link.key(), link.who(), message.id, message.args);
}

void Agent::on_die(Link& link, int id) {
  const PeerKey key = link.key();
  const PeerIdentity who = link.who();
  if (options_.die_policy == DiePolicy::kIgnore) {
    log_.notice("DIE from " + who.display() + " ignored (die_policy is 'ignore')");
  } else {
    log_.notice("DIE from " + who.display() + ": stopping (die_policy is 'exit')");
  }
  if (listener_) listener_->on_die(key, who, id, options_.die_policy);
  if (options_.die_policy == DiePolicy::kExit) stop();
}

void Agent::on_pong(Link& link, int id) {
  auto it = link.pings.find(id);
  if (it == link.pings.end()) return;  // late or unsolicited: ignored, like ivy-c
  auto ping = std::move(it->second);
  link.pings.erase(it);
  ping.timer->cancel();
  const auto rtt = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - ping.sent);
  if (ping.callback) ping.callback(rtt);
}

void Agent::set_link_limits(TcpPeer::Options link, PeerLimits peer_limits, std::size_t max_peers) {
  options_.link = link;
  options_.peer_limits = peer_limits;
  options_.max_peers = max_peers;
}

std::size_t Agent::set_allow_peer(std::function<bool(const asio::ip::address&)> allow_peer) {
  options_.allow_peer = std::move(allow_peer);
  if (!options_.allow_peer) return 0;
  std::vector<std::shared_ptr<TcpPeer>> refused;
  for (const auto& [key, link] : links_) {
    if (!options_.allow_peer(link->io->remote().address())) refused.push_back(link->io);
  }
  for (auto& io : refused) {
    ++counters_.denied_peers;
    log_.warning("closing the link to " + endpoint_text(io->remote().address(), io->remote().port()) +
                 ": address no longer in allowed_networks");
    io->stop(CloseReason::kLocal);
  }
  return refused.size();
}

// --- introspection -----------------------------------------------------------

PeerInfo Agent::info_of(const Link& link) const {
  PeerInfo info;
  info.key = link.key();
  info.identity = link.who();
  info.ready = link.session.state() == PeerSession::State::kReady;
  info.outgoing = link.outgoing;
  info.subscriptions = link.session.regexps().size();
  info.queued_bytes = link.io->queued_bytes();
  info.dropped_frames = link.io->dropped_frames();
  info.malformed_lines = link.session.malformed_lines();
  info.frames_received = link.session.frames_received();
  info.last_seen = link.last_seen;
  return info;
}

std::vector<PeerInfo> Agent::peers() const {
  std::vector<PeerInfo> out;
  for (const auto& [key, link] : links_) out.push_back(info_of(*link));
  std::sort(out.begin(), out.end(), [](const PeerInfo& a, const PeerInfo& b) { return a.key < b.key; });
  return out;
}

std::optional<PeerInfo> Agent::peer(PeerKey key) const {
  const Link* link = find_link(key);
  if (!link) return std::nullopt;
  return info_of(*link);
}

std::vector<PeerKey> Agent::find_peers(std::string_view name) const {
  std::vector<PeerKey> out;
  for (const auto& [key, link] : links_) {
    if (link->who().name == name) out.push_back(key);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace ivy::daemon
