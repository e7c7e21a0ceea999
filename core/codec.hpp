#pragma once
// Codec: Ivy TCP frames <-> values (§3.2, §3.3, §4, §12 of ivy-protocol.md).
//
// Wire form, identical in both directions:  "<type> <id>\x02<payload>\n"
// (one space, no CR). MSG payloads carry one ETX after EVERY argument.
//
// Parsing is lenient, like ivy-c (§12 "Accept"): leading blanks and extra
// header tokens before the STX are allowed, a last MSG argument without its
// ETX is still an argument, bytes are kept as bytes. A line that is not a
// frame is a value (Malformed), never an exception; a type we do not know is
// reported as Unknown so the caller can ignore it.
//
// Formatting is conservative (§12 "Emit"): every text that goes into a frame
// is checked, and a text holding LF, ETX or NUL is refused with an error
// value, so nothing we format can ever contain a raw LF.

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace ivy {

inline constexpr char kStx = '\x02';  // ARG_START: ends the header
inline constexpr char kEtx = '\x03';  // ARG_END: ends each MSG argument

enum class MsgType : int {
  kBye = 0,
  kAddRegexp = 1,
  kMsg = 2,
  kError = 3,
  kDelRegexp = 4,
  kEndRegexp = 5,
  kStartRegexp = 6,
  kDirectMsg = 7,
  kDie = 8,
  kPing = 9,
  kPong = 10,
};

// "BYE", "ADD_REGEXP", ... (the ivy-python constant names), or "UNKNOWN".
std::string_view msg_type_name(MsgType type);

// One decoded frame; payload is a view into the line given to decode_frame().
struct Frame {
  MsgType type = MsgType::kBye;
  int id = 0;
  std::string_view payload;
};

struct DecodeResult {
  enum class Kind {
    kFrame,      // `frame` is valid
    kUnknown,    // well-formed header, type outside 0..10: ignore it
    kMalformed,  // no STX, or no two integers before it
  };
  Kind kind = Kind::kMalformed;
  Frame frame;         // valid for kFrame (type/id/payload) and kUnknown (id/payload)
  int raw_type = 0;    // the type number as read (kFrame, kUnknown)
  std::string reason;  // why the line is malformed (kMalformed)
};

// Decodes one frame (the line without its LF).
DecodeResult decode_frame(std::string_view line);

// Splits a MSG payload into its arguments with ivy-c semantics (§3.3): each
// ETX ends an argument, a final argument without ETX is still taken, empty
// arguments are kept; "" gives no argument, "\x03" one empty argument.
std::vector<std::string> split_msg_args(std::string_view payload);

// Checks a text before it goes on the wire: refuses LF, ETX and NUL.
// `what` names the text in the error ("message", "regexp", ...).
Status check_wire_text(std::string_view text, std::string_view what);

// Frame builders. Each returns the complete frame, LF included. The ones that
// take text check it with check_wire_text().
std::string format_bye(int id = 0);
Result<std::string> format_add_regexp(int id, std::string_view regexp);
Result<std::string> format_msg(int id, const std::vector<std::string>& args);
Result<std::string> format_error(int id, std::string_view text);
std::string format_del_regexp(int id);
std::string format_end_regexp();
Result<std::string> format_start_regexp(int port, std::string_view name);
Result<std::string> format_direct(int id, std::string_view text);
std::string format_die(int id = 0);
std::string format_ping(int id);
std::string format_pong(int id);

// ivy-c's ERROR for a peer regexp it cannot compile (§6.7):
//   "3 <offset>\x02Error compiling '<re>', <message>\n"
// The regexp came from the peer's line, so it holds no LF; ETX/NUL in it are
// replaced by '?' so the frame is always well-formed.
std::string format_compile_error(int offset, std::string_view regexp, std::string_view message);

}  // namespace ivy
