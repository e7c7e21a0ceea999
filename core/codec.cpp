#include "core/codec.hpp"

#include <charconv>
#include <limits>

namespace ivy {
namespace {

constexpr int kMaxType = 10;

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// Reads an optionally signed decimal integer after optional blanks, like
// sscanf("%d"). Advances `pos` past it. False when there is no number or it
// does not fit an int.
bool read_int(std::string_view s, std::size_t& pos, int& out) {
  while (pos < s.size() && is_blank(s[pos])) ++pos;
  const char* begin = s.data() + pos;
  const char* end = s.data() + s.size();
  if (begin != end && *begin == '+') {
    // strtol accepts a '+'; so do we, but only before a digit, as sscanf
    // ("+-5" is not a number; from_chars alone would read -5).
    ++begin;
    if (begin == end || *begin < '0' || *begin > '9') return false;
  }
  long long value = 0;
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || value < std::numeric_limits<int>::min() ||
      value > std::numeric_limits<int>::max()) {
    return false;
  }
  out = static_cast<int>(value);
  pos = static_cast<std::size_t>(ptr - s.data());
  return true;
}

std::string header(MsgType type, int id) {
  std::string frame = std::to_string(static_cast<int>(type));
  frame += ' ';
  frame += std::to_string(id);
  frame += kStx;
  return frame;
}

std::string simple_frame(MsgType type, int id) {
  std::string frame = header(type, id);
  frame += '\n';
  return frame;
}

Result<std::string> text_frame(MsgType type, int id, std::string_view text, std::string_view what) {
  if (auto st = check_wire_text(text, what); !st) return Unexpected<Error>{st.error()};
  std::string frame = header(type, id);
  frame.append(text);
  frame += '\n';
  return frame;
}

}  // namespace

std::string_view msg_type_name(MsgType type) {
  switch (type) {
    case MsgType::kBye: return "BYE";
    case MsgType::kAddRegexp: return "ADD_REGEXP";
    case MsgType::kMsg: return "MSG";
    case MsgType::kError: return "ERROR";
    case MsgType::kDelRegexp: return "DEL_REGEXP";
    case MsgType::kEndRegexp: return "END_REGEXP";
    case MsgType::kStartRegexp: return "START_REGEXP";
    case MsgType::kDirectMsg: return "DIRECT_MSG";
    case MsgType::kDie: return "DIE";
    case MsgType::kPing: return "PING";
    case MsgType::kPong: return "PONG";
  }
  return "UNKNOWN";
}

DecodeResult decode_frame(std::string_view line) {
  DecodeResult result;
  const auto stx = line.find(kStx);
  if (stx == std::string_view::npos) {
    result.reason = "no STX (\\x02) after the header";
    return result;
  }
  // ivy-c reads the header with sscanf("%d %d"): two integers, anything after
  // them before the STX is ignored ("2 5 junk\x02" is accepted).
  const std::string_view head = line.substr(0, stx);
  std::size_t pos = 0;
  int type = 0;
  int id = 0;
  if (!read_int(head, pos, type) || !read_int(head, pos, id)) {
    result.reason = "expected 'type id' before STX";
    return result;
  }
  result.raw_type = type;
  result.frame.id = id;
  result.frame.payload = line.substr(stx + 1);
  if (type < 0 || type > kMaxType) {
    result.kind = DecodeResult::Kind::kUnknown;
    return result;
  }
  result.kind = DecodeResult::Kind::kFrame;
  result.frame.type = static_cast<MsgType>(type);
  return result;
}

std::vector<std::string> split_msg_args(std::string_view payload) {
  std::vector<std::string> args;
  std::size_t start = 0;
  while (start < payload.size()) {
    const auto etx = payload.find(kEtx, start);
    if (etx == std::string_view::npos) {
      args.emplace_back(payload.substr(start));  // last argument without ETX
      break;
    }
    args.emplace_back(payload.substr(start, etx - start));
    start = etx + 1;
  }
  return args;
}

Status check_wire_text(std::string_view text, std::string_view what) {
  const auto bad = text.find_first_of(std::string_view("\n\x03\0", 3));
  if (bad == std::string_view::npos) return {};
  const char c = text[bad];
  const char* name = c == '\n' ? "a line feed (LF)" : c == kEtx ? "an ETX (\\x03) byte" : "a NUL byte";
  return fail(std::string(what) + " contains " + name + " at byte " + std::to_string(bad) +
              ": Ivy frames cannot carry it");
}

std::string format_bye(int id) { return simple_frame(MsgType::kBye, id); }

Result<std::string> format_add_regexp(int id, std::string_view regexp) {
  return text_frame(MsgType::kAddRegexp, id, regexp, "regexp");
}

Result<std::string> format_msg(int id, const std::vector<std::string>& args) {
  std::string frame = header(MsgType::kMsg, id);
  for (const auto& arg : args) {
    if (auto st = check_wire_text(arg, "message argument"); !st) return Unexpected<Error>{st.error()};
    frame.append(arg);
    frame += kEtx;
  }
  frame += '\n';
  return frame;
}

Result<std::string> format_error(int id, std::string_view text) {
  return text_frame(MsgType::kError, id, text, "error text");
}

std::string format_del_regexp(int id) { return simple_frame(MsgType::kDelRegexp, id); }

std::string format_end_regexp() { return simple_frame(MsgType::kEndRegexp, 0); }

Result<std::string> format_start_regexp(int port, std::string_view name) {
  return text_frame(MsgType::kStartRegexp, port, name, "agent name");
}

Result<std::string> format_direct(int id, std::string_view text) {
  return text_frame(MsgType::kDirectMsg, id, text, "direct message");
}

std::string format_die(int id) { return simple_frame(MsgType::kDie, id); }

std::string format_ping(int id) { return simple_frame(MsgType::kPing, id); }

std::string format_pong(int id) { return simple_frame(MsgType::kPong, id); }

std::string format_compile_error(int offset, std::string_view regexp, std::string_view message) {
  std::string text = "Error compiling '";
  text.append(regexp);
  text += "', ";
  text.append(message);
  for (char& c : text) {
    if (c == '\n' || c == kEtx || c == '\0') c = '?';
  }
  std::string frame = header(MsgType::kError, offset);
  frame += text;
  frame += '\n';
  return frame;
}

}  // namespace ivy
