// The status socket's "who-gets" request (daemon/service/daemon.hpp): who
// would receive a text if an agent published it on a bus now.
//
// Request:  "who-gets <bus> <text>"   <bus> is a bus id, or "*" for every bus
//           (ids have no spaces); <text> is the rest of the line, byte for
//           byte, spaces included.
// Answer:   {"text": ..., "buses": [{"id": ..., "receivers": [...],
//            "closest": [...]}]}
//   receivers  one per matching (peer, regexp), in the order the matcher
//              sends them: {"agent", "host", "port", "app_id", "regexp_id",
//              "pattern", "captures"} (captures as that bus's capture_mode
//              sends them);
//   closest    only when nobody on that bus would receive it: the peers'
//              patterns that come closest (core/closest_patterns.hpp), each
//              {"agent", ..., "regexp_id", "pattern", "same_first_word",
//              "agreed_bytes"}.
// A bad request is {"error": ...}.
//
// ivyd itself is not listed: it is the one asking, and an agent never
// receives its own messages. The matching is the Agent's own (the same
// matcher and captures as Agent::send), on the io thread, so the answer is
// the bus between two events.
#include "daemon/service/daemon.hpp"

#include <map>

#include <nlohmann/json.hpp>

#include "core/closest_patterns.hpp"
#include "core/codec.hpp"
#include "daemon/service/daemon_bus.hpp"

namespace ivy::daemon {
namespace {

using nlohmann::json;

std::string error_answer(const std::string& message) {
  return json{{"error", message}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The agent holding a subscription, as JSON (name, where, app id).
json agent_json(const Agent& agent, PeerKey key) {
  const auto info = agent.peer(key);
  if (!info) return {{"agent", ""}, {"host", ""}, {"port", 0}, {"app_id", ""}};
  const auto& who = info->identity;
  return {{"agent", who.name}, {"host", who.host.empty() ? who.ip : who.host}, {"port", who.port},
          {"app_id", who.app_id}};
}

// Peer subscriptions, fetched once per peer.
class PatternsOf {
 public:
  explicit PatternsOf(const Agent& agent) : agent_(agent) {}
  const std::string& pattern(PeerKey key, int id) {
    auto it = cache_.find(key);
    if (it == cache_.end()) it = cache_.emplace(key, agent_.peer_subscriptions(key)).first;
    static const std::string kNone;
    const auto found = it->second.find(id);
    return found == it->second.end() ? kNone : found->second;
  }

 private:
  const Agent& agent_;
  std::map<PeerKey, std::map<int, std::string>> cache_;
};

json receivers(Agent& agent, std::string_view text) {
  std::vector<Hit> hits;
  agent.matcher().match(text, agent.options().capture_mode, hits);
  PatternsOf patterns(agent);
  json out = json::array();
  for (const auto& hit : hits) {
    json r = agent_json(agent, hit.peer);
    r["regexp_id"] = hit.regexp_id;
    r["pattern"] = patterns.pattern(hit.peer, hit.regexp_id);
    r["captures"] = hit.captures;
    out.push_back(std::move(r));
  }
  return out;
}

json closest(const Agent& agent, std::string_view text) {
  std::vector<std::string> patterns;
  std::vector<std::pair<PeerKey, int>> owners;
  for (const auto& peer : agent.peers()) {
    for (auto& [id, pattern] : agent.peer_subscriptions(peer.key)) {
      patterns.push_back(std::move(pattern));
      owners.emplace_back(peer.key, id);
    }
  }
  json out = json::array();
  for (const auto& near : closest_patterns(text, patterns)) {
    json c = agent_json(agent, owners[near.index].first);
    c["regexp_id"] = owners[near.index].second;
    c["pattern"] = patterns[near.index];
    c["same_first_word"] = near.same_first_word;
    c["agreed_bytes"] = near.agreed_bytes;
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

std::string Daemon::who_gets(std::string_view argument) const {
  const auto space = argument.find(' ');
  if (space == std::string_view::npos) return error_answer("who-gets: expected \"who-gets <bus id or *> <text>\"");
  const std::string bus_id(argument.substr(0, space));
  const std::string_view text = argument.substr(space + 1);
  if (auto st = check_wire_text(text, "text"); !st) return error_answer("who-gets: " + st.error().message);
  json doc{{"text", text}, {"buses", json::array()}};
  std::string known;
  for (const auto& bus : buses_) {
    known += (known.empty() ? "" : ", ") + bus->config.id;
    if (bus_id != "*" && bus_id != bus->config.id) continue;
    json b{{"id", bus->config.id}, {"receivers", receivers(*bus->agent, text)}};
    b["closest"] = b["receivers"].empty() ? closest(*bus->agent, text) : json::array();
    doc["buses"].push_back(std::move(b));
  }
  if (doc["buses"].empty()) return error_answer("no bus \"" + bus_id + "\" (buses: " + known + ")");
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace ivy::daemon
