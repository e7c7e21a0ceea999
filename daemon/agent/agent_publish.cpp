// The Agent's own side (daemon/agent/agent.hpp): our subscriptions, publishing
// through the matcher, direct/DIE/ERROR frames and PING.
#include "daemon/agent/agent.hpp"

#include "core/codec.hpp"
#include "core/regex.hpp"
#include "daemon/agent/agent_link.hpp"

namespace ivy::daemon {

Result<int> Agent::subscribe(std::string_view pattern) {
  if (auto st = check_wire_text(pattern, "regexp"); !st) return Unexpected<Error>{st.error()};
  auto compiled = Regex::compile(pattern);
  if (!compiled) {
    return fail("cannot compile regexp '" + std::string(pattern) + "': " + compiled.error().message + " at offset " +
                    std::to_string(compiled.error().offset),
                compiled.error().offset);
  }
  const int id = next_subscription_id_++;
  subscriptions_.emplace(id, std::string(pattern));
  broadcast(*format_add_regexp(id, pattern));
  return id;
}

void Agent::unsubscribe(int id) {
  if (subscriptions_.erase(id) == 0) return;
  broadcast(format_del_regexp(id));
}

Result<int> Agent::change(int id, std::string_view pattern) {
  auto fresh = subscribe(pattern);
  if (fresh) unsubscribe(id);
  return fresh;
}

void Agent::broadcast(const std::string& frame) {
  // A send may close a stalled link (and erase it): iterate over a copy.
  std::vector<std::shared_ptr<TcpPeer>> open_links;
  open_links.reserve(links_.size());
  for (auto& [key, link] : links_) open_links.push_back(link->io);
  for (auto& io : open_links) io->send(frame);
}

// `hits` all belong to one peer; the link may close while we send to it.
void Agent::send_frames_to(PeerKey key, std::vector<Hit>& hits) {
  for (auto& hit : hits) {
    auto frame = format_msg(hit.regexp_id, hit.captures);
    if (!frame) continue;  // a capture holding LF/ETX: never put it on the wire
    Link* link = find_link(key);
    if (!link) return;
    if (link->io->send(std::move(*frame))) ++counters_.frames_sent;
    else ++counters_.frames_dropped;
  }
}

Result<std::size_t> Agent::send(std::string_view text) {
  if (auto st = check_wire_text(text, "message"); !st) return Unexpected<Error>{st.error()};
  hits_.clear();
  matcher_->match(text, options_.capture_mode, hits_);
  std::size_t sent = 0;
  std::string frame;
  for (auto& hit : hits_) {
    Link* link = find_link(hit.peer);
    if (!link) continue;
    auto formatted = format_msg(hit.regexp_id, hit.captures);
    if (!formatted) continue;  // a capture with LF/ETX cannot come from checked text
    if (link->io->send(std::move(*formatted))) {
      ++sent;
    } else {
      ++counters_.frames_dropped;
    }
  }
  if (sent) ++counters_.messages_sent;
  counters_.frames_sent += sent;
  return sent;
}

Status Agent::send_direct(PeerKey peer, int id, std::string_view text) {
  Link* link = find_link(peer);
  if (!link) return fail("no such peer");
  auto frame = format_direct(id, text);
  if (!frame) return Unexpected<Error>{frame.error()};
  if (!link->io->send(std::move(*frame))) return fail("the peer's queue is full");
  return {};
}

Status Agent::send_die(PeerKey peer) {
  Link* link = find_link(peer);
  if (!link) return fail("no such peer");
  link->io->send(format_die());
  return {};
}

Status Agent::send_error(PeerKey peer, int id, std::string_view text) {
  Link* link = find_link(peer);
  if (!link) return fail("no such peer");
  auto frame = format_error(id, text);
  if (!frame) return Unexpected<Error>{frame.error()};
  link->io->send(std::move(*frame));
  return {};
}

Status Agent::ping(PeerKey peer, PingCallback callback) {
  Link* link = find_link(peer);
  if (!link) return fail("no such peer");
  const int id = link->next_ping_id++;
  auto timer = std::make_unique<asio::steady_timer>(io_, options_.ping_timeout);
  timer->async_wait([this, peer, id](const error_code& ec) {
    if (ec) return;
    Link* l = find_link(peer);
    if (!l) return;
    auto it = l->pings.find(id);
    if (it == l->pings.end()) return;
    auto cb = std::move(it->second.callback);
    l->pings.erase(it);
    if (cb) cb(std::nullopt);
  });
  link->pings.emplace(id, PendingPing{std::chrono::steady_clock::now(), std::move(callback), std::move(timer)});
  link->io->send(format_ping(id));
  return {};
}

void Agent::receivers_of(std::string_view text, PeerKey sender, std::vector<SubscriptionRef>& out) {
  const auto first = out.size();
  matcher_->match_refs(text, out);
  std::erase_if(out, [&, i = std::size_t{0}](const SubscriptionRef& ref) mutable {
    return i++ >= first && ref.peer == sender;
  });
}

}  // namespace ivy::daemon
