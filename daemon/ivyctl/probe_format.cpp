#include "daemon/ivyctl/probe_format.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>

namespace ivy::ctl {
namespace {

std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::string_view unquote(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && ((s.front() == '\'' && s.back() == '\'') || (s.front() == '"' && s.back() == '"'))) {
    return s.substr(1, s.size() - 2);
  }
  return s;
}

// Splits off the first blank-separated word.
std::string_view take_word(std::string_view& rest) {
  rest = trim(rest);
  const auto end = rest.find_first_of(" \t");
  const auto word = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  return word;
}

bool to_int(std::string_view s, int& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size() && !s.empty();
}

ProbeCommand invalid(std::string why) {
  ProbeCommand c;
  c.kind = ProbeCommand::Kind::kInvalid;
  c.text = std::move(why);
  return c;
}

ProbeCommand with_agent(ProbeCommand::Kind kind, std::string_view rest, const char* usage) {
  const auto agent = trim(rest);
  if (agent.empty()) return invalid(usage);
  ProbeCommand c;
  c.kind = kind;
  c.text = std::string(agent);
  return c;
}

}  // namespace

std::string probe_connected(std::string_view name, std::string_view host) {
  return std::string(name) + " connected from " + std::string(host);
}

std::string probe_disconnected(std::string_view name, std::string_view host) {
  return std::string(name) + " disconnected from " + std::string(host);
}

std::string probe_message(std::string_view name, const std::vector<std::string>& args) {
  std::string line = std::string(name) + " sent ";
  for (const auto& arg : args) line += " '" + arg + "'";
  return line;
}

std::string probe_direct(std::string_view name, int id, std::string_view text) {
  return std::string(name) + " sent a direct message, id=" + std::to_string(id) + ", message=" + std::string(text);
}

std::string probe_bind(std::string_view name, std::string_view host, int id, std::string_view pattern) {
  return "Application: " + std::string(name) + " on " + std::string(host) + " add regexp " + std::to_string(id) +
         " : " + std::string(pattern);
}

std::string probe_unbind(std::string_view name, std::string_view host, int id, std::string_view pattern) {
  return "Application: " + std::string(name) + " on " + std::string(host) + " remove regexp " +
         std::to_string(id) + " :" + std::string(pattern);
}

std::string probe_compile_error(std::string_view pattern, std::string_view message) {
  return "Error compiling '" + std::string(pattern) + "', " + std::string(message) + ", not bound";
}

std::string probe_sent(std::size_t frames) {
  return "-> Sent to " + std::to_string(frames) + (frames == 1 ? " peer" : " peers");
}

std::string probe_pong(std::string_view name, std::chrono::microseconds rtt) {
  char ms[32];
  std::snprintf(ms, sizeof ms, "%.3f", static_cast<double>(rtt.count()) / 1000.0);
  return std::string(name) + " respond to ping in " + ms + " ms";
}

std::string probe_ping_timeout(std::string_view name, std::chrono::milliseconds waited) {
  return std::string(name) + " ping timout after " + std::to_string(waited.count()) + " ms";
}

std::string probe_timestamp(std::chrono::system_clock::time_point when) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count() % 1000;
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::snprintf(buf, sizeof buf, "[%02d:%02d:%02d.%03d] ", tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

ProbeCommand parse_probe_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty() || line.front() != '.') return ProbeCommand{ProbeCommand::Kind::kSend, std::string(line), 0, {}};
  std::string_view rest = line;
  const auto word = take_word(rest);
  using K = ProbeCommand::Kind;
  if (word == ".help") return {K::kHelp, {}, 0, {}};
  if (word == ".quit") return {K::kQuit, {}, 0, {}};
  if (word == ".who") return {K::kWho, {}, 0, {}};
  if (word == ".showbind") return {K::kShowBind, {}, 0, {}};
  if (word == ".bind") {
    const auto re = unquote(rest);
    if (re.empty()) return invalid("usage: .bind 'regexp'");
    return {K::kBind, std::string(re), 0, {}};
  }
  if (word == ".unbind") {
    int id = 0;
    if (!to_int(trim(rest), id)) return invalid("usage: .unbind ID");
    return {K::kUnbind, {}, id, {}};
  }
  if (word == ".where") return with_agent(K::kWhere, rest, "usage: .where AGENT");
  if (word == ".die") return with_agent(K::kDie, rest, "usage: .die AGENT");
  if (word == ".ping") return with_agent(K::kPing, rest, "usage: .ping AGENT");
  if (word == ".direct") {
    const auto agent = take_word(rest);
    const auto id_text = take_word(rest);
    int id = 0;
    if (agent.empty() || !to_int(id_text, id)) return invalid("usage: .direct AGENT ID 'text'");
    return {K::kDirect, std::string(agent), id, std::string(unquote(rest))};
  }
  return invalid("unknown command '" + std::string(word) + "' (type .help for the list)");
}

const char* const kProbeCommandsHelp =
    "Commands list:\n"
    "  .help                   this list\n"
    "  .quit                   leave the bus (BYE) and exit; so does end of input or Ctrl-C\n"
    "  .bind 'regexp'          subscribe to a regexp\n"
    "  .unbind ID              remove one of our subscriptions\n"
    "  .showbind               show or hide peers' subscription changes (as -s)\n"
    "  .who                    list the agents on the bus\n"
    "  .where AGENT            show the host of an agent\n"
    "  .direct AGENT ID 'text' send a direct message\n"
    "  .die AGENT              ask an agent to exit\n"
    "  .ping AGENT             measure the round-trip time to an agent (ivy-c peers answer)\n"
    "  any other line          is sent as a message; the number of frames sent is printed\n";

}  // namespace ivy::ctl
