#include "daemon/ivyctl/lint_input.hpp"

#include <nlohmann/json.hpp>

namespace ivy::ctl {
namespace {

using nlohmann::json;

std::string text_of(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Result<std::vector<LintSubscription>> subscriptions_from_daemon(std::string_view reply) {
  const json doc = json::parse(reply, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return fail("the daemon's reply is not JSON");
  if (doc.contains("error")) {
    return fail("the daemon answered: " + text_of(doc, "error") + " (an ivyd older than ivyctl?)");
  }
  const auto buses = doc.find("buses");
  if (buses == doc.end() || !buses->is_array()) return fail("the daemon's reply has no \"buses\"");
  std::vector<LintSubscription> out;
  for (const json& bus : *buses) {
    if (!bus.is_object() || !bus.contains("peers") || !bus["peers"].is_array()) continue;
    for (const json& peer : bus["peers"]) {
      if (!peer.is_object() || !peer.contains("subscriptions") || !peer["subscriptions"].is_array())
        continue;
      for (const json& s : peer["subscriptions"]) {
        if (!s.is_object() || !s.contains("id") || !s["id"].is_number_integer()) continue;
        out.push_back(LintSubscription{text_of(bus, "id"), text_of(peer, "name"),
                                       text_of(peer, "app_id"), s["id"].get<std::int32_t>(),
                                       text_of(s, "pattern"), std::nullopt});
      }
    }
  }
  return out;
}

Result<std::vector<LintSubscription>> subscriptions_from_recording(
    const storage::RecordingReader& reader) {
  auto uses = reader.subscriptions();
  if (!uses) return Unexpected<Error>{uses.error()};
  std::vector<LintSubscription> out;
  out.reserve(uses->size());
  for (auto& u : *uses) {
    // A placeholder agent (its join was lost) has no name: show its app id or "?".
    std::string name = !u.agent.empty() ? u.agent : !u.app_id.empty() ? u.app_id : "?";
    out.push_back(LintSubscription{u.bus, std::move(name), u.app_id, u.regexp_id,
                                   std::move(u.pattern), u.deliveries});
  }
  return out;
}

}  // namespace ivy::ctl
