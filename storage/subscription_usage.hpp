#pragma once
// SubscriptionUse: every subscription a recording holds, with how many
// deliveries went through it (what `ivyctl lint --db` checks).
//
// Read from the `subscription` table, so the subscriptions a file was seeded
// with at rotation count too (they have no `bind` event in that file), and
// counted from `receiver`. One subscription seen in several files of a set
// (seeded again at each rotation) or over several rows of one file is one
// SubscriptionUse: rows with the same bus, agent (name, app id, host),
// regexp id and pattern are merged and their deliveries summed.
//
// Cost: one scan of `receiver` per file grouped by (agent, regexp id), plus,
// for an id an agent re-bound to another pattern, one key-range count per
// subscription row over its lifetime (message ids are the time index).

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace ivy::storage {

struct SubscriptionUse {
  std::string bus;
  std::string agent;  // name; empty for a placeholder agent row
  std::string app_id;
  std::string host;
  std::int32_t regexp_id = 0;
  std::string pattern;
  std::int64_t first_added_ns = 0;
  std::int64_t deliveries = 0;  // receiver rows through it
};

// In the order first seen (files oldest first, rows in table order).
Result<std::vector<SubscriptionUse>> subscription_usage(const std::vector<std::string>& files);

}  // namespace ivy::storage
