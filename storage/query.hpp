#pragma once
// The value types of the read side (used by ivyctl): what to look for
// (QueryFilter), what comes back (Entry), and where to resume (Cursor).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/record.hpp"

namespace ivy::storage {

enum class EntryKind { kMsg, kDirect, kJoin, kLeave, kBind, kUnbind, kDie, kError, kGap, kDropped };

using KindMask = std::uint32_t;
constexpr KindMask kind_bit(EntryKind k) { return KindMask{1} << static_cast<unsigned>(k); }
inline constexpr KindMask kAllKinds = (KindMask{1} << 10) - 1;

// "msg", "direct", "join", "leave", "bind", "unbind", "die", "error", "gap",
// "dropped";
// parse_kinds also takes "all" and comma lists ("join,leave").
std::string_view to_string(EntryKind kind);
std::optional<EntryKind> parse_entry_kind(std::string_view name);
std::optional<KindMask> parse_kinds(std::string_view list);

// Where a central store's reader stands (CentralReader): the last message
// and event returned, in the store's order (wall_ns, file_id, id), and how
// much of each file the store held then, so rows shipped later with older
// times are found too (--follow).
struct CentralCursor {
  struct Key {
    std::int64_t wall_ns = 0;
    std::int64_t file_id = 0;
    std::int64_t id = 0;
  };
  struct Shipped {
    std::int64_t message = 0;
    std::int64_t event = 0;
    bool complete = false;
  };
  std::optional<Key> message;
  std::optional<Key> event;
  std::optional<std::map<std::int64_t, Shipped>> shipped;  // by file_id; nullopt = first query
};

// A position in a recording set: entries after it are new. Empty = start.
struct Cursor {
  std::string file;             // file of the last entry returned
  std::int64_t message_id = 0;  // last message.id seen in that file
  std::int64_t event_id = 0;    // last event.id seen in that file
  CentralCursor central;        // instead, for a central store
};

struct QueryFilter {
  std::optional<std::int64_t> since_ns;  // wall_ns >= since
  std::optional<std::int64_t> until_ns;  // wall_ns < until
  std::string agent;       // exact name of the sender / subject agent; "" = any
  std::string text_regex;  // PCRE2, unanchored, over the text; "" = any
  KindMask kinds = kAllKinds;
  std::size_t limit = 0;   // 0 = no limit
  Cursor after;            // for --follow; default = from the beginning
};

struct AgentInfo {
  std::int64_t row = 0;  // agent.id in its file (0 = none)
  std::uint64_t peer_key = 0;
  std::string app_id;
  std::string name;
  std::string host;
  std::int64_t port = 0;
  std::string bus;
};

struct ReceiverInfo {
  std::string name;
  std::string app_id;
  std::int32_t regexp_id = 0;
};

// One row of the merged timeline. Field use by kind:
//   msg:    agent = sender, text, receivers, origin
//   direct: agent = sender, code = direct id, text
//   join / leave: agent, text = how (leave)
//   bind / unbind: agent, code = regexp id, text = pattern (bind)
//   die / error: agent = sender, code = id, text (error)
//   gap:    code = records dropped, wall_ns..end_ns (central store: also rows a
//           local file lost to retention before they were shipped, text
//           "not shipped")
//   dropped: agent = the peer that missed them, code = frames not delivered
//            (its queue was full), wall_ns..end_ns = first..last drop
struct Entry {
  EntryKind kind = EntryKind::kMsg;
  std::string site;  // central store only: the site that shipped it ("" for a local file)
  std::string file;
  std::int64_t id = 0;  // message.id or event.id in `file`
  std::int64_t wall_ns = 0;
  std::int64_t mono_ns = 0;
  AgentInfo agent;
  std::string text;
  std::int64_t code = 0;
  std::int64_t end_ns = 0;
  std::vector<ReceiverInfo> receivers;
  Origin origin;
};

struct QueryResult {
  std::vector<Entry> entries;  // in time order (wall_ns, then file order)
  Cursor next;                 // pass as QueryFilter::after to continue
};

}  // namespace ivy::storage
