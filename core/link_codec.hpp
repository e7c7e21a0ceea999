#pragma once
// LinkCodec: the line protocol of an ivyd<->ivyd link (docs/bridge.md). One
// frame per line; fields separated by one space; every field is escaped so
// that any byte is safe: '%' -> "%25", LF -> "%0A", CR -> "%0D", NUL -> "%00",
// and, in every field but the last, ' ' -> "%20". The last field of a frame
// (the message text, a pattern, a reason) keeps its spaces as they are, so
// the common Ivy text costs nothing to escape.
//
//   IVYDLINK <version> <bridge-id> <instance-id> <interest 0|1> <name> <token>
//   M <origin-instance> <seq> <origin-bus> <origin-agent> <text>
//   I+ <pattern>        interest added (on-interest mode)
//   I- <pattern>        interest removed
//   I0 x                interest reset: a full set follows
//   PING <n> / PONG <n> keepalive
//   BYE <reason>        the sender closes the link (e.g. a wrong token)
//
// The dialling side sends its hello first; the listening side checks it
// (version, token) before it answers with its own, so a stranger that
// connects learns nothing. `interest 1` asks the other side to carry only what
// matches the interest this side sends; `name` is the agent name the sender
// would like its messages to carry on the other side's bus ("" = no wish:
// config `remote_name`).
//
// decode() never throws and rejects anything malformed (fuzz target).
// Thread: pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "core/result.hpp"

namespace ivy::link {

inline constexpr int kProtocolVersion = 1;
inline constexpr std::string_view kHelloWord = "IVYDLINK";
// The first byte a TLS client sends: the content type of a handshake record
// (RFC 8446 §5.1). A plaintext dialer's first byte is the 'I' of its hello,
// so a listener can tell the two apart by one byte.
inline constexpr unsigned char kTlsHandshakeRecord = 0x16;

struct Hello {
  int version = kProtocolVersion;
  std::string bridge_id;
  std::string instance_id;
  bool interest = false;
  std::string name;
  std::string token;
  friend bool operator==(const Hello&, const Hello&) = default;
};
struct Message {
  std::string origin_instance;
  std::uint64_t seq = 0;
  std::string origin_bus;
  std::string origin_agent;
  std::string text;
  friend bool operator==(const Message&, const Message&) = default;
};
struct InterestAdd { std::string pattern; friend bool operator==(const InterestAdd&, const InterestAdd&) = default; };
struct InterestRemove { std::string pattern; friend bool operator==(const InterestRemove&, const InterestRemove&) = default; };
struct InterestReset { friend bool operator==(const InterestReset&, const InterestReset&) = default; };
struct Ping { std::uint64_t n = 0; friend bool operator==(const Ping&, const Ping&) = default; };
struct Pong { std::uint64_t n = 0; friend bool operator==(const Pong&, const Pong&) = default; };
struct Bye { std::string reason; friend bool operator==(const Bye&, const Bye&) = default; };

using Frame = std::variant<Hello, Message, InterestAdd, InterestRemove, InterestReset, Ping, Pong, Bye>;

// The frame as one line, LF included.
std::string encode(const Frame& frame);
// One line, without its LF (a trailing CR is data, not stripped).
Result<Frame> decode(std::string_view line);

// Escaping of one field (`last`: spaces kept).
std::string escape(std::string_view field, bool last);
Result<std::string> unescape(std::string_view field);

// Compares two secrets in time that depends only on their lengths, not on
// where they differ.
bool tokens_equal(std::string_view a, std::string_view b);

}  // namespace ivy::link
