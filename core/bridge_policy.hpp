#pragma once
// BridgePolicy: the pure decision a bridge makes for every message it could
// carry (docs/bridge.md): which way it flows, whether it came from another
// bridge agent, whether the include/exclude filters let it through, and which
// text to emit after adding or stripping a prefix.
//
// Direction is seen from the bridge's local bus (docs/config.md): kOut is
// local -> far, kIn is far -> local. Filters see the text as it is on the side
// it comes from, before any prefix change; `add_prefix` applies to messages
// carried out, `strip_prefix` to messages carried in that start with it.
//
// Bridge agents: every ivyd agent that re-emits subscribes the marker
// kBridgeMarkerPattern, a plain literal that no real message matches (ivy-c,
// ivy-python and Hyperscan all compile it). A peer holding it is a bridge
// agent: its messages are never re-emitted, and its subscriptions are never
// mirrored, which breaks bridge loops at the first hop.
//
// Thread: immutable after create(); any thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/regex.hpp"
#include "core/result.hpp"

namespace ivy {

inline constexpr std::string_view kBridgeMarkerPattern = "^IVYD_BRIDGE_AGENT 1$";

// True if `pattern` is the marker (a peer subscribing it is a bridge agent).
inline bool is_bridge_marker(std::string_view pattern) { return pattern == kBridgeMarkerPattern; }

enum class BridgeFlow { kOut, kIn };  // kOut: local -> far; kIn: far -> local
enum class BridgeWay { kIn, kOut, kBoth };
enum class MessageSource { kAgent, kBridgeAgent };

// Why a message is not carried.
enum class SkipReason {
  kDirection,    // the bridge does not carry this way
  kBridgeAgent,  // it came from a bridge agent (loop prevention)
  kNotIncluded,  // matches no include pattern
  kExcluded,     // matches an exclude pattern
  kFilterError,  // a filter hit the PCRE2 match limit: not carried, to be safe
  kEmpty,        // nothing left after stripping the prefix
};
std::string_view skip_reason_name(SkipReason reason);

struct BridgePolicyOptions {
  BridgeWay way = BridgeWay::kBoth;
  std::vector<std::string> include;  // empty: everything
  std::vector<std::string> exclude;
  std::string add_prefix;
  std::string strip_prefix;
};

class BridgePolicy {
 public:
  // Compiles the filters; the error names the first pattern that fails.
  static Result<BridgePolicy> create(BridgePolicyOptions options);

  // The text to emit on the destination side, or why not.
  Result<std::string, SkipReason> decide(BridgeFlow flow, std::string_view text, MessageSource source) const;

  bool carries(BridgeFlow flow) const;
  const BridgePolicyOptions& options() const { return options_; }

 private:
  BridgePolicy(BridgePolicyOptions options, std::vector<Regex> include, std::vector<Regex> exclude)
      : options_(std::move(options)), include_(std::move(include)), exclude_(std::move(exclude)) {}
  Result<bool, SkipReason> any_match(const std::vector<Regex>& filters, std::string_view text) const;
  Result<void, SkipReason> filter(std::string_view text) const;

  BridgePolicyOptions options_;
  std::vector<Regex> include_;
  std::vector<Regex> exclude_;
};

}  // namespace ivy
