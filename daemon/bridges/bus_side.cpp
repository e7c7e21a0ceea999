#include "daemon/bridges/bus_side.hpp"

#include "core/bridge_policy.hpp"
#include "core/hs_matcher.hpp"

namespace ivy::daemon {

BusSide::BusSide(asio::io_context& io, BusPort port, BusSideOptions options, Logger& log, Handler handler)
    : io_(io), port_(std::move(port)), options_(std::move(options)), log_(log), handler_(std::move(handler)) {}

BusSide::~BusSide() { stop(); }

Status BusSide::start() {
  if (started_) return {};
  if (!options_.emitter_name.empty() && options_.emitter_name != port_.agent->name()) {
    if (auto st = start_dedicated(); !st) return st;
  } else {
    auto marker = port_.agent->subscribe(kBridgeMarkerPattern);
    if (!marker) return fail_with(marker.error());
    marker_ = *marker;
  }
  tap_ = port_.tap();
  port_.listeners->add(this);
  started_ = true;
  catch_up();
  return {};
}

// A dedicated emitter: the bus agent's options under another name, its own
// peer keys, the marker subscribed before start so it is in every handshake.
Status BusSide::start_dedicated() {
  AgentOptions options = port_.agent->options();
  options.name = options_.emitter_name;
  options.ready_message.clear();
  options.first_peer_key = options_.first_peer_key;
  auto matcher = port_.make_matcher ? port_.make_matcher() : std::make_unique<HyperscanMatcher>();
  dedicated_ = std::make_unique<Agent>(io_, std::move(options), std::move(matcher), log_);
  if (auto marker = dedicated_->subscribe(kBridgeMarkerPattern); !marker) return fail_with(marker.error());
  if (auto st = dedicated_->start(); !st) {
    dedicated_.reset();
    return fail("bus '" + port_.id + "': agent '" + options_.emitter_name + "': " + st.error().message);
  }
  return {};
}

// Peers that linked before this side started (a bridge restarted on reload):
// their subscriptions came before we listened.
void BusSide::catch_up() {
  for (const auto& peer : port_.agent->peers()) {
    for (const auto& [id, pattern] : port_.agent->peer_subscriptions(peer.key)) {
      report(interest_.add(peer.key, id, pattern));
    }
  }
}

void BusSide::stop() {
  if (!started_) return;
  started_ = false;
  port_.listeners->remove(this);
  if (marker_ >= 0) port_.agent->unsubscribe(marker_);
  marker_ = -1;
  if (dedicated_) {
    // Deleted once its links are closed, from a fresh handler (never from
    // inside its own callback).
    Agent* agent = dedicated_.release();
    auto& io = io_;
    agent->stop([agent, &io] { asio::post(io, [agent] { delete agent; }); });
  }
}

Result<std::size_t> BusSide::emit(std::string_view text) { return emitter().send(text); }

void BusSide::report(const InterestChanges& changes) {
  if (!changes.empty() && handler_.on_interest) handler_.on_interest(changes);
}

void BusSide::on_message(PeerKey key, const PeerIdentity& who, int our_id, const std::vector<std::string>& args) {
  if (our_id != tap_ || args.empty()) return;
  if (interest_.is_bridge_agent(key)) {
    ++from_bridge_agents_;
    return;
  }
  if (handler_.on_text) handler_.on_text(who.name, args.front());
}

void BusSide::on_subscription_added(PeerKey key, const PeerIdentity&, int id, const std::string& pattern) {
  report(interest_.add(key, id, pattern));
}

void BusSide::on_subscription_removed(PeerKey key, const PeerIdentity&, int id, const std::string&) {
  report(interest_.remove(key, id));
}

void BusSide::on_disconnected(PeerKey key, const PeerIdentity&, CloseReason) { report(interest_.remove_peer(key)); }

}  // namespace ivy::daemon
