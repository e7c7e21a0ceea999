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
};

}  // namespace ivy
