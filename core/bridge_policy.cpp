#include "core/bridge_policy.hpp"

namespace ivy {
namespace {

Result<std::vector<Regex>> compile_all(const std::vector<std::string>& patterns, std::string_view what) {
  std::vector<Regex> out;
  for (const auto& p : patterns) {
    auto r = Regex::compile(p);
    if (!r) return fail(std::string(what) + " pattern '" + p + "': " + r.error().message, r.error().offset);
    out.push_back(std::move(*r));
  }
  return out;
}

}  // namespace

std::string_view skip_reason_name(SkipReason reason) {
  switch (reason) {
    case SkipReason::kDirection: return "direction";
    case SkipReason::kBridgeAgent: return "from a bridge agent";
    case SkipReason::kNotIncluded: return "not included";
    case SkipReason::kExcluded: return "excluded";
    case SkipReason::kFilterError: return "filter error";
    case SkipReason::kEmpty: return "empty";
  }
  return "?";
}

Result<BridgePolicy> BridgePolicy::create(BridgePolicyOptions options) {
  auto include = compile_all(options.include, "include");
  if (!include) return fail_with(include.error());
  auto exclude = compile_all(options.exclude, "exclude");
  if (!exclude) return fail_with(exclude.error());
  return BridgePolicy(std::move(options), std::move(*include), std::move(*exclude));
}

bool BridgePolicy::carries(BridgeFlow flow) const {
  if (options_.way == BridgeWay::kBoth) return true;
  return (flow == BridgeFlow::kOut) == (options_.way == BridgeWay::kOut);
}

Result<bool, SkipReason> BridgePolicy::any_match(const std::vector<Regex>& filters, std::string_view text) const {
  for (const auto& re : filters) {
    auto r = re.matches(text);
    if (!r) return fail_with(SkipReason::kFilterError);
    if (*r) return true;
  }
  return false;
}

Result<void, SkipReason> BridgePolicy::filter(std::string_view text) const {
  if (!include_.empty()) {
    auto in = any_match(include_, text);
    if (!in) return fail_with(in.error());
    if (!*in) return fail_with(SkipReason::kNotIncluded);
  }
  auto out = any_match(exclude_, text);
  if (!out) return fail_with(out.error());
  if (*out) return fail_with(SkipReason::kExcluded);
  return {};
}

Result<std::string, SkipReason> BridgePolicy::decide(BridgeFlow flow, std::string_view text,
                                                     MessageSource source) const {
  if (!carries(flow)) return fail_with(SkipReason::kDirection);
  if (source == MessageSource::kBridgeAgent) return fail_with(SkipReason::kBridgeAgent);
  if (auto st = filter(text); !st) return fail_with(st.error());
  if (flow == BridgeFlow::kOut) {
    if (options_.add_prefix.empty() && text.empty()) return fail_with(SkipReason::kEmpty);
    return options_.add_prefix + std::string(text);
  }
  const auto& strip = options_.strip_prefix;
  if (!strip.empty() && text.starts_with(strip)) text.remove_prefix(strip.size());
  if (text.empty()) return fail_with(SkipReason::kEmpty);
  return std::string(text);
}

}  // namespace ivy
