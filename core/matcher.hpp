#pragma once
// Matcher: the sender-side matching of Ivy (§6.3 of ivy-protocol.md). Every
// peer's subscriptions (peer, regexp id, pattern) go in; a message text comes
// in; out come the (peer, regexp id, captures) that the text must be sent to,
// one per matching subscription, as ivy-c does.
//
// Semantics (ivy-c, PCRE with no options): unanchored search anywhere in the
// text, case-sensitive, byte mode (no UTF-8), `.` does not match LF, `$`
// matches at the end or before a final LF.
//
// Order of hits: the order in which the subscriptions were added (a sequence
// number given at add time; a replace counts as a new add). This is ivy-c's
// order when each pattern text is held by one peer.
//
// Thread: a Matcher is used from one thread (the agent's event loop). An
// implementation may compile in the background but never blocks match().

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace ivy {

// Who holds a subscription: the agent gives every peer link a key that is
// never reused during the process lifetime.
using PeerKey = std::uint64_t;

// How unmatched capture groups are sent (§6.4).
enum class CaptureMode {
  kAllGroups,  // every group is an argument; unmatched ones are empty (default)
  kStrictC,    // like ivy-c: trailing unmatched groups are left out
};

struct SubscriptionRef {
  PeerKey peer = 0;
  int regexp_id = 0;
  friend bool operator==(const SubscriptionRef&, const SubscriptionRef&) = default;
};

struct Hit {
  PeerKey peer = 0;
  int regexp_id = 0;
  std::vector<std::string> captures;
  friend bool operator==(const Hit&, const Hit&) = default;
};

// A pattern that could not be compiled: PCRE2's error offset and message.
struct CompileError {
  int offset = 0;
  std::string message;
};

// What a matcher holds and has done: plain counters for the status socket
// and metrics. Patterns are distinct texts (ivy-c's dictionary); every live
// pattern is in exactly one of hyperscan / side list / fallback.
struct MatcherStats {
  std::uint64_t subscriptions = 0;       // (peer, regexp id) pairs
  std::uint64_t patterns = 0;            // distinct live pattern texts
  std::uint64_t hyperscan_patterns = 0;  // matched by a Hyperscan database
  std::uint64_t prefilter_patterns = 0;  // ... of which confirmed by PCRE2 on a hit
  std::uint64_t base_patterns = 0;       // ... of which in the merged base database
  std::uint64_t side_list_patterns = 0;  // waiting for a database (PCRE2 meanwhile)
  std::uint64_t fallback_patterns = 0;   // PCRE2 for good (PcreMatcher: every pattern)
  std::uint64_t shards = 0;              // shard databases installed
  std::uint64_t compiles = 0;            // databases compiled by Hyperscan
  std::uint64_t cache_hits = 0;          // databases loaded from the DatabaseCache instead
  std::uint64_t database_bytes = 0;      // sum of hs_database_size
  std::uint64_t scratch_bytes = 0;       // hs_scratch_size
  std::uint64_t match_errors = 0;        // see Matcher::match_errors()
};

class Matcher {
 public:
  virtual ~Matcher() = default;

  // Adds the subscription, or replaces the pattern if (peer, regexp_id) is
  // already held (§12: ADD with an existing id = replace). On a compile error
  // the id holds nothing afterwards: a pattern it held before is removed, since
  // the peer asked to replace it, and the new one is not stored.
  virtual Result<void, CompileError> add(PeerKey peer, int regexp_id, std::string_view pattern) = 0;

  // Removes one subscription; unknown ones are ignored.
  virtual void remove(PeerKey peer, int regexp_id) = 0;

  // Removes every subscription of a peer.
  virtual void remove_peer(PeerKey peer) = 0;

  // Appends to `hits` every matching subscription, in add order, with captures
  // encoded according to `mode`. Returns the number of hits appended. Clears
  // nothing. Errors met on the way (a PCRE2 match limit hit) are counted in
  // match_errors() and that subscription is skipped.
  virtual std::size_t match(std::string_view text, CaptureMode mode, std::vector<Hit>& hits) = 0;

  // As match(), restricted to one peer's subscriptions (the ready message).
  virtual std::size_t match_peer(PeerKey peer, std::string_view text, CaptureMode mode,
                                 std::vector<Hit>& hits) = 0;

  // As match() without captures: who would receive the text (the recorder).
  virtual std::size_t match_refs(std::string_view text, std::vector<SubscriptionRef>& refs) = 0;

  virtual std::size_t subscription_count() const = 0;
  virtual std::uint64_t match_errors() const = 0;
  virtual MatcherStats stats() const = 0;

  // For matchers that work in the background (HyperscanMatcher); the others
  // ignore these. All three are called from the owner's thread.
  //
  // poll(): installs finished background work and starts what is due. Cheap
  // when there is nothing; match() does it too, so it only matters when no
  // message flows.
  virtual void poll() {}
  // A burst of subscription changes ended (a peer's handshake completed):
  // start on what waits now rather than at the next trigger.
  virtual void batch_done() {}
  // `wakeup` is called on the background thread when finished work waits for
  // poll(). It must only hand over to the owner's thread (e.g. asio::post)
  // and return. Never called once the matcher is destroyed.
  virtual void set_wakeup(std::function<void()> wakeup) { (void)wakeup; }
};

}  // namespace ivy
