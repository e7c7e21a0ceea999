#include "core/announcement.hpp"

#include <charconv>

namespace ivy {
namespace {

bool parse_number(std::string_view s, long& out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// Next space-separated token from `rest` (runs of spaces collapse, as with
// sscanf's %d/%s).
std::string_view next_token(std::string_view& rest) {
  const auto start = rest.find_first_not_of(' ');
  if (start == std::string_view::npos) {
    rest = {};
    return {};
  }
  rest.remove_prefix(start);
  const auto end = rest.find(' ');
  const auto token = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  return token;
}

}  // namespace

Result<std::string> format_announcement(std::uint16_t port, std::string_view app_id,
                                        std::string_view app_name) {
  if (app_id.empty() || app_id.size() > kMaxAppIdBytes) {
    return fail("app-id must be 1-" + std::to_string(kMaxAppIdBytes) + " bytes");
  }
  for (unsigned char c : app_id) {
    if (c <= ' ' || c == 0x7f) return fail("app-id must not contain blanks or control bytes");
  }
  if (app_name.size() > kMaxAppNameBytes) {
    return fail("agent name longer than " + std::to_string(kMaxAppNameBytes) + " bytes");
  }
  if (app_name.find_first_of(std::string_view("\n\0", 2)) != std::string_view::npos) {
    return fail("agent name must not contain LF or NUL");
  }
  std::string datagram = std::to_string(kIvyProtocolVersion);
  datagram += ' ';
  datagram += std::to_string(port);
  datagram += ' ';
  datagram.append(app_id);
  datagram += ' ';
  datagram.append(app_name);
  datagram += '\n';
  return datagram;
}

Result<Announcement> parse_announcement(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::string_view rest = line;
  const auto version_text = next_token(rest);
  const auto port_text = next_token(rest);
  if (version_text.empty() || port_text.empty()) {
    return fail("bad announcement, expected 'version port'");
  }
  long version = 0;
  long port = 0;
  if (!parse_number(version_text, version)) return fail("bad announcement: version is not a number");
  if (version != kIvyProtocolVersion) {
    return fail("bad Ivy version, expected 3 and got " + std::string(version_text));
  }
  if (!parse_number(port_text, port) || port <= 0 || port > 65535) {
    return fail("bad announcement: port '" + std::string(port_text) + "' is not 1-65535");
  }
  Announcement a;
  a.version = static_cast<int>(version);
  a.port = static_cast<std::uint16_t>(port);
  a.app_id = std::string(next_token(rest));
  const auto name_start = rest.find_first_not_of(' ');
  if (name_start != std::string_view::npos) a.app_name = std::string(rest.substr(name_start));
  // No length limit on receive: kMaxAppIdBytes/kMaxAppNameBytes protect
  // ivy-c's buffers from what *we* send; a long ivy-python id (name + 24
  // characters, §2.3) is valid and must not stop us connecting (§12).
  return a;
}

std::vector<Result<Announcement>> parse_datagram(std::string_view datagram) {
  std::vector<Result<Announcement>> out;
  std::size_t start = 0;
  while (start < datagram.size()) {
    auto lf = datagram.find('\n', start);
    if (lf == std::string_view::npos) lf = datagram.size();
    const auto line = datagram.substr(start, lf - start);
    if (line.find_first_not_of(" \r") != std::string_view::npos) out.push_back(parse_announcement(line));
    start = lf + 1;
  }
  return out;
}

std::string make_app_id(std::uint32_t random, std::uint64_t epoch_ms, std::uint16_t port) {
  return std::to_string(random) + ":" + std::to_string(epoch_ms) + ":" + std::to_string(port);
}

}  // namespace ivy
