#include "daemon/bridges/link/link_bridge.hpp"
#include "daemon/bridges/remote_inbound.hpp"

namespace ivy::daemon {

std::optional<std::pair<std::string, std::uint16_t>> split_host_port(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return std::nullopt;
  std::string host = text.substr(0, colon);
  if (host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned long port = 0;
  try {
    std::size_t used = 0;
    port = std::stoul(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1) return std::nullopt;
  } catch (...) {
    return std::nullopt;
  }
  if (port > 65535 || host.empty()) return std::nullopt;
  return std::make_pair(std::move(host), static_cast<std::uint16_t>(port));
}

LinkBridge::LinkBridge(asio::io_context& io, LinkBridgeOptions options, BusPort local, Logger& log,
                       BridgeHooks hooks)
    : io_(io),
      options_(std::move(options)),
      port_(std::move(local)),
      log_(log),
      hooks_(std::move(hooks)),
      acceptor_(io),
      resolver_(io),
      dial_timer_(io),
      backoff_(options_.reconnect_min, options_.reconnect_max),
      buffer_(options_.outage_buffer_bytes) {}

LinkBridge::~LinkBridge() { stop(); }

Status LinkBridge::start() {
  if (options_.tls) {
    const auto side = options_.role == LinkConnection::Role::kDialer ? TlsSide::kClient : TlsSide::kServer;
    auto loaded = TlsContext::load(*options_.tls, side);
    if (!loaded) return fail("bridge '" + options_.id + "': tls." + loaded.error().key + ": " + loaded.error().message);
    tls_ = std::move(*loaded);
    log_tls_warnings(*tls_);
  }
  auto policy = BridgePolicy::create(options_.policy);
  if (!policy) return fail("bridge '" + options_.id + "': " + policy.error().message);
  policy_.emplace(std::move(*policy));
  use_emitter_name(options_.local_name);
  if (!side_) return fail("bridge '" + options_.id + "': cannot join bus '" + port_.id + "'");
  running_ = true;
  if (options_.role == LinkConnection::Role::kListener) {
    if (auto st = open_listener(); !st) {
      stop();
      return fail("bridge '" + options_.id + "': " + st.error().message);
    }
    accept();
  } else {
    dial();
  }
  return {};
}

void LinkBridge::stop() {
  if (!running_ && !side_) return;
  running_ = false;
  error_code ignored;
  dial_timer_.cancel();
  resolver_.cancel();
  acceptor_.close(ignored);
  if (dialing_) dialing_->close(ignored);
  for (auto& o : openings_) o->cancel();
  openings_.clear();
  if (conn_) conn_->close("bridge stopped");
  conn_.reset();
  for (auto& p : pending_) p->close("bridge stopped");
  pending_.clear();
  if (side_) side_->stop();
  side_.reset();
}

// The emitter on the local bus: local_name if set, else the far side's wish
// (its remote_name), else the bus's own agent. A change restarts the side.
void LinkBridge::use_emitter_name(const std::string& wish) {
  const std::string name = options_.local_name.empty() ? wish : options_.local_name;
  if (side_ && name == emitter_name_) return;
  if (side_) side_->stop();
  BusSide::Handler handler;
  handler.on_text = [this](const std::string& agent, const std::string& text) { on_local_text(agent, text); };
  handler.on_interest = [this](const InterestChanges& changes) { on_local_interest(changes); };
  side_ = std::make_unique<BusSide>(io_, port_, BusSideOptions{name, options_.first_peer_key}, log_, handler);
  emitter_name_ = name;
  if (auto st = side_->start(); !st) {
    log_.error("bridge '" + options_.id + "': " + st.error().message);
    side_.reset();
  }
}

Status LinkBridge::open_listener() {
  auto hp = split_host_port(options_.listen);
  if (!hp) return fail("bad listen address '" + options_.listen + "'");
  error_code ec;
  auto results = resolver_.resolve(hp->first, std::to_string(hp->second), ec);  // startup only
  if (ec || results.empty()) return fail("cannot resolve '" + options_.listen + "': " + ec.message());
  const tcp::endpoint endpoint = results.begin()->endpoint();
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("cannot listen on " + options_.listen + ": " + ec.message());
  log_.notice("bridge '" + options_.id + "': listening for the far ivyd on " + options_.listen);
  return {};
}

std::uint16_t LinkBridge::listen_port() const {
  error_code ec;
  return acceptor_.is_open() ? acceptor_.local_endpoint(ec).port() : 0;
}

void LinkBridge::accept() {
  acceptor_.async_accept([this, life = std::weak_ptr<int>(life_)](const error_code& ec, tcp::socket socket) {
    if (life.expired() || !running_ || ec == asio::error::operation_aborted) return;
    if (!ec) {
      error_code ignored;
      const auto remote = socket.remote_endpoint(ignored);
      if (options_.allow_peer && !options_.allow_peer(remote.address())) {
        log_.warning("bridge '" + options_.id + "': refused a connection from " + remote.address().to_string() +
                     ": address not in allowed_networks");
      } else {
        adopt(std::move(socket));
      }
    }
    accept();
  });
}

void LinkBridge::dial() {
  if (!running_ || options_.dial.empty()) return;
  const std::string target = options_.dial[dial_index_ % options_.dial.size()];
  auto hp = split_host_port(target);
  if (!hp) {
    log_.error("bridge '" + options_.id + "': bad dial address '" + target + "'");
    ++dial_index_;
    schedule_dial();
    return;
  }
  resolver_.async_resolve(hp->first, std::to_string(hp->second), [this, life = std::weak_ptr<int>(life_), target](
                                                                      const error_code& ec, tcp::resolver::results_type results) {
    if (life.expired() || !running_) return;
    if (ec) {
      log_.warning("bridge '" + options_.id + "': cannot resolve " + target + ": " + ec.message());
      ++dial_index_;
      schedule_dial();
      return;
    }
    dialing_ = std::make_shared<tcp::socket>(io_);
    dial_timer_.expires_after(options_.connect_timeout);
    dial_timer_.async_wait([socket = dialing_](const error_code& e) {
      error_code ignored;
      if (!e) socket->close(ignored);
    });
    asio::async_connect(*dialing_, results, [this, life, target, socket = dialing_](const error_code& e, const tcp::endpoint& to) {
      if (life.expired() || !running_) return;
      dial_timer_.cancel();
      dialing_.reset();
      if (!e && options_.allow_peer && !options_.allow_peer(to.address())) {
        log_.warning("bridge '" + options_.id + "': " + target + " is not in allowed_networks");
      } else if (!e) {
        adopt(std::move(*socket));
        return;
      } else {
        log_.warning("bridge '" + options_.id + "': cannot connect to " + target + ": " + e.message());
      }
      ++dial_index_;
      schedule_dial();
    });
  });
}

void LinkBridge::schedule_dial() {
  if (!running_) return;
  const auto delay = backoff_.next(std::uniform_real_distribution<double>(0.0, 1.0)(random_));
  log_.info("bridge '" + options_.id + "': next attempt in " + std::to_string(delay.count()) + " ms");
  dial_timer_.expires_after(delay);
  dial_timer_.async_wait([this, life = std::weak_ptr<int>(life_)](const error_code& ec) {
    if (!ec && !life.expired()) dial();
  });
}

Status LinkBridge::reload_tls() {
  if (!tls_) return {};
  auto loaded = TlsContext::load(tls_->settings(), tls_->side());
  if (!loaded) {
    return fail("bridge '" + options_.id + "': tls." + loaded.error().key + ": " + loaded.error().message +
                "; the certificate in use is kept");
  }
  log_tls_warnings(**loaded);
  const auto& cert = (*loaded)->certificate();
  if (cert.fingerprint != tls_->certificate().fingerprint) {
    log_.notice("bridge '" + options_.id + "': TLS certificate reloaded: '" + cert.subject + "', valid until " +
                cert.not_after + "; used from the next handshake");
  }
  tls_ = std::move(*loaded);
  return {};
}

void LinkBridge::log_tls_warnings(const TlsContext& context) {
  for (const auto& w : context.warnings()) {
    log_.warning("bridge '" + options_.id + "': tls." + w.key + ": " + w.message);
  }
}

// Every connection, dialled or accepted, plaintext or TLS, is opened first
// (LinkOpening); only then does the link protocol start on it.
//
// A listener holds at most kMaxUnfinishedConnections that have not finished
// their TLS handshake or hello: beyond, the oldest goes. A peer that opens
// connections and says nothing cannot take every descriptor, and a real
// dialer, the newest, still gets through.
void LinkBridge::adopt(tcp::socket socket) {
  const auto side = options_.role == LinkConnection::Role::kDialer ? LinkOpening::Side::kDialer
                                                                   : LinkOpening::Side::kListener;
  if (side == LinkOpening::Side::kListener && openings_.size() + pending_.size() >= kMaxUnfinishedConnections) {
    ++counters_.rejected;
    if (!openings_.empty()) {
      const auto oldest = openings_.front();
      openings_.erase(openings_.begin());
      if (!evicting_) {  // once until a connection opens again: a flood is counted, not logged
        log_.warning("bridge '" + options_.id + "': " + std::to_string(kMaxUnfinishedConnections) +
                     " connections are still opening; closing the oldest, from " + oldest->remote() +
                     " (further ones are only counted as rejected)");
      }
      evicting_ = true;
      oldest->cancel();
    } else {
      const auto oldest = pending_.front();
      pending_.erase(pending_.begin());
      oldest->close("too many connections still opening; the oldest is closed");
    }
  }
  auto opening = std::make_shared<LinkOpening>(std::move(socket), side, tls_, options_.handshake_timeout);
  openings_.push_back(opening);
  opening->start([this, opening](Result<LinkOpening::Opened> opened) { on_opened(opening, std::move(opened)); });
}

void LinkBridge::on_opened(const std::shared_ptr<LinkOpening>& opening, Result<LinkOpening::Opened> opened) {
  std::erase(openings_, opening);
  if (opened) {
    evicting_ = false;
    connect(std::move(*opened));
    return;
  }
  ++counters_.rejected;
  const bool dialer = options_.role == LinkConnection::Role::kDialer;
  const std::string what = dialer ? "link to " + opening->remote() + " refused: "
                                   : "refused a connection from " + opening->remote() + ": ";
  log_.warning("bridge '" + options_.id + "': " + what + opened.error().message);
  if (dialer) schedule_dial();
}

void LinkBridge::connect(LinkOpening::Opened opened) {
  LinkConnection::Options o;
  o.role = options_.role;
  o.hello = link::Hello{link::kProtocolVersion, options_.id, options_.instance_id,
                        options_.mode == BridgeMode::kInterest, options_.remote_name, options_.token};
  o.keepalive = options_.keepalive;
  o.handshake_timeout = options_.handshake_timeout;
  o.io = options_.io;
  o.label = "bridge '" + options_.id + "'";
  auto conn =
      std::make_shared<LinkConnection>(io_, std::move(opened.stream), std::move(opened.tls), std::move(o), log_);
  LinkConnection::Handler h;
  h.on_ready = [this, conn](const link::Hello& theirs) { on_ready(conn, theirs); };
  h.on_frame = [this](link::Frame& frame) { on_frame(frame); };
  h.on_closed = [this, conn](const std::string& why, bool rejected) { on_closed(conn, why, rejected); };
  if (options_.role == LinkConnection::Role::kListener) pending_.push_back(conn);
  else conn_ = conn;
  conn->start(std::move(h));
}

void LinkBridge::on_ready(const std::shared_ptr<LinkConnection>& conn, const link::Hello& theirs) {
  std::erase(pending_, conn);
  if (conn_ && conn_ != conn) conn_->close("replaced by a newer connection");
  conn_ = conn;
  backoff_.reset();
  ++counters_.connects;
  far_wants_interest_ = theirs.interest;
  far_label_ = "bridge '" + theirs.bridge_id + "' of " + theirs.instance_id + " at " + conn->remote();
  std::string over;
  if (const auto& tls = conn->tls()) {
    over = " over " + tls->protocol + " (" + tls->cipher + "), certificate '" + tls->peer.subject + "'";
  }
  log_.notice("bridge '" + options_.id + "': linked to " + far_label_ + over);
  use_emitter_name(theirs.name);
  conn_->send(link::encode(link::InterestReset{}));
  if (side_) {
    for (const auto& p : side_->interest().patterns().patterns()) conn_->send(link::encode(link::InterestAdd{p}));
  }
  flush_buffer();
}

void LinkBridge::on_closed(const std::shared_ptr<LinkConnection>& conn, const std::string& why, bool rejected) {
  if (rejected) ++counters_.rejected;
  std::erase(pending_, conn);
  if (conn != conn_) return;
  conn_.reset();
  log_.warning("bridge '" + options_.id + "': link " + (rejected ? "refused" : "lost") + ": " + why);
  if (options_.role == LinkConnection::Role::kDialer) schedule_dial();
}

void LinkBridge::on_frame(link::Frame& frame) {
  if (auto* m = std::get_if<link::Message>(&frame)) {
    on_remote_message(*m);
  } else if (auto* add = std::get_if<link::InterestAdd>(&frame)) {
    remote_interest_.add(add->pattern);
  } else if (auto* remove = std::get_if<link::InterestRemove>(&frame)) {
    remote_interest_.remove(remove->pattern);
  } else if (std::holds_alternative<link::InterestReset>(frame)) {
    remote_interest_.clear();
  }
}

bool LinkBridge::remote_filters() const { return options_.mode == BridgeMode::kInterest || far_wants_interest_; }

void LinkBridge::on_local_text(const std::string& origin_agent, const std::string& text) {
  auto decided = policy_->decide(BridgeFlow::kOut, text, MessageSource::kAgent);
  if (!decided) {
    if (decided.error() != SkipReason::kDirection) ++counters_.filtered;
    return;
  }
  if (remote_filters() && !remote_interest_.matches(*decided)) {
    ++counters_.not_wanted;
    return;
  }
  ++counters_.carried_out;
  send_or_buffer(link::encode(link::Message{options_.instance_id, next_seq_++, port_.id, origin_agent, *decided}));
}

void LinkBridge::on_local_interest(const InterestChanges& changes) {
  if (!conn_ || !conn_->ready()) return;  // the full set goes on the next handshake
  for (const auto& c : changes) {
    if (c.kind == InterestChange::Kind::kAdded) conn_->send(link::encode(link::InterestAdd{c.pattern}));
    else conn_->send(link::encode(link::InterestRemove{c.pattern}));
  }
}

void LinkBridge::on_remote_message(link::Message& m) {
  auto& last = last_seq_[m.origin_instance];
  if (m.origin_instance == options_.instance_id || m.seq <= last) {
    ++counters_.duplicates;  // our own message come back, or one already emitted
    return;
  }
  last = m.seq;
  deliver_remote({options_.id, port_.id, *policy_, options_.mode, hooks_}, side_.get(),
                 {m.text, m.origin_bus, m.origin_agent, "link:" + options_.id}, counters_);
}

void LinkBridge::send_or_buffer(std::string frame) {
  if (conn_ && conn_->ready()) {
    if (!conn_->send(std::move(frame))) ++counters_.outage_dropped;
    return;
  }
  counters_.outage_dropped += buffer_.push(std::move(frame));
}

void LinkBridge::flush_buffer() {
  if (!buffer_.empty()) {
    log_.info("bridge '" + options_.id + "': sending " + std::to_string(buffer_.size()) +
              " messages kept during the outage");
  }
  while (!buffer_.empty() && conn_) {
    if (!conn_->send(buffer_.pop())) ++counters_.outage_dropped;
  }
  buffer_.clear();
}

BridgeStatus LinkBridge::status() const {
  BridgeStatus s;
  s.id = options_.id;
  s.type = "link";
  const bool listener = options_.role == LinkConnection::Role::kListener;
  if (!running_) s.state = "stopped";
  else if (conn_ && conn_->ready()) s.state = "connected";
  else s.state = listener ? "listening" : "connecting";
  s.local_bus = port_.id;
  s.far = conn_ && conn_->ready() ? far_label_ : (listener ? options_.listen : "");
  if (s.far.empty()) {
    for (const auto& d : options_.dial) s.far += (s.far.empty() ? "" : ",") + d;
  }
  s.interest_patterns = remote_interest_.size();
  s.tls = tls_status();
  s.counters = counters_;
  s.counters.buffered = buffer_.size();
  if (side_) s.counters.from_bridge_agents = side_->from_bridge_agents();
  return s;
}

LinkTlsStatus LinkBridge::tls_status() const {
  LinkTlsStatus t;
  if (!tls_) return t;
  t.enabled = true;
  const auto& ours = tls_->certificate();
  t.cert_subject = ours.subject;
  t.cert_not_after = ours.not_after;
  t.cert_fingerprint = config::to_string(ours.fingerprint);
  if (!conn_ || !conn_->ready() || !conn_->tls()) return t;
  const auto& session = *conn_->tls();
  t.protocol = session.protocol;
  t.cipher = session.cipher;
  t.peer_subject = session.peer.subject;
  t.peer_not_after = session.peer.not_after;
  t.peer_fingerprint = config::to_string(session.peer.fingerprint);
  return t;
}

}  // namespace ivy::daemon
