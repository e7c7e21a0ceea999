#include "core/link_codec.hpp"

#include <charconv>
#include <vector>

namespace ivy::link {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Splits off `count - 1` space-separated fields; the rest of the line is the
// last one (it may hold spaces).
bool split(std::string_view line, std::size_t count, std::vector<std::string_view>& out) {
  out.clear();
  while (out.size() + 1 < count) {
    const auto sp = line.find(' ');
    if (sp == std::string_view::npos) return false;
    out.push_back(line.substr(0, sp));
    line.remove_prefix(sp + 1);
  }
  out.push_back(line);
  return true;
}

Result<std::uint64_t> number(std::string_view text) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return fail("bad number");
  return v;
}

struct Encoder {
  std::string operator()(const Hello& h) const {
    return std::string(kHelloWord) + " " + std::to_string(h.version) + " " + escape(h.bridge_id, false) + " " +
           escape(h.instance_id, false) + " " + (h.interest ? "1 " : "0 ") + escape(h.name, false) + " " +
           escape(h.token, true);
  }
  std::string operator()(const Message& m) const {
    return "M " + escape(m.origin_instance, false) + " " + std::to_string(m.seq) + " " +
           escape(m.origin_bus, false) + " " + escape(m.origin_agent, false) + " " + escape(m.text, true);
  }
  std::string operator()(const InterestAdd& a) const { return "I+ " + escape(a.pattern, true); }
  std::string operator()(const InterestRemove& r) const { return "I- " + escape(r.pattern, true); }
  std::string operator()(const InterestReset&) const { return "I0 x"; }
  std::string operator()(const Ping& p) const { return "PING " + std::to_string(p.n); }
  std::string operator()(const Pong& p) const { return "PONG " + std::to_string(p.n); }
  std::string operator()(const Bye& b) const { return "BYE " + escape(b.reason, true); }
};

Result<Frame> decode_hello(std::string_view rest) {
  std::vector<std::string_view> f;
  if (!split(rest, 6, f)) return fail("short hello");
  auto version = number(f[0]);
  auto bridge = unescape(f[1]);
  auto instance = unescape(f[2]);
  auto name = unescape(f[4]);
  auto token = unescape(f[5]);
  if (!version || !bridge || !instance || !name || !token || (f[3] != "0" && f[3] != "1")) return fail("bad hello");
  if (*version > 1'000'000) return fail("bad hello version");
  return Frame(Hello{static_cast<int>(*version), std::move(*bridge), std::move(*instance), f[3] == "1",
                     std::move(*name), std::move(*token)});
}

Result<Frame> decode_message(std::string_view rest) {
  std::vector<std::string_view> f;
  if (!split(rest, 5, f)) return fail("short message");
  auto instance = unescape(f[0]);
  auto seq = number(f[1]);
  auto bus = unescape(f[2]);
  auto agent = unescape(f[3]);
  auto text = unescape(f[4]);
  if (!instance || !seq || !bus || !agent || !text) return fail("bad message");
  return Frame(Message{std::move(*instance), *seq, std::move(*bus), std::move(*agent), std::move(*text)});
}

template <class T>
Result<Frame> decode_text(std::string_view rest) {
  auto text = unescape(rest);
  if (!text) return fail_with(text.error());
  return Frame(T{std::move(*text)});
}

template <class T>
Result<Frame> decode_number(std::string_view rest) {
  auto n = number(rest);
  if (!n) return fail_with(n.error());
  return Frame(T{*n});
}

}  // namespace

std::string escape(std::string_view field, bool last) {
  std::string out;
  out.reserve(field.size() + 8);
  for (char c : field) {
    const bool special = c == '%' || c == '\n' || c == '\r' || c == '\0' || (!last && c == ' ');
    if (!special) {
      out.push_back(c);
      continue;
    }
    const auto u = static_cast<unsigned char>(c);
    out += {'%', kHex[u >> 4], kHex[u & 15]};
  }
  return out;
}

Result<std::string> unescape(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] != '%') {
      out.push_back(field[i]);
      continue;
    }
    if (i + 2 >= field.size()) return fail("truncated escape");
    const int hi = hex_value(field[i + 1]);
    const int lo = hex_value(field[i + 2]);
    if (hi < 0 || lo < 0) return fail("bad escape");
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::string encode(const Frame& frame) { return std::visit(Encoder{}, frame) + "\n"; }

Result<Frame> decode(std::string_view line) {
  const auto sp = line.find(' ');
  if (sp == std::string_view::npos) return fail("no field");
  const std::string_view word = line.substr(0, sp);
  const std::string_view rest = line.substr(sp + 1);
  if (word == "M") return decode_message(rest);
  if (word == "I+") return decode_text<InterestAdd>(rest);
  if (word == "I-") return decode_text<InterestRemove>(rest);
  if (word == "I0") return Frame(InterestReset{});
  if (word == "PING") return decode_number<Ping>(rest);
  if (word == "PONG") return decode_number<Pong>(rest);
  if (word == "BYE") return decode_text<Bye>(rest);
  if (word == kHelloWord) return decode_hello(rest);
  return fail("unknown frame '" + std::string(word.substr(0, 16)) + "'");
}

bool tokens_equal(std::string_view a, std::string_view b) {
  // Runs over the longer length whatever the content; volatile keeps the
  // compiler from stopping early.
  const std::size_t n = a.size() > b.size() ? a.size() : b.size();
  volatile unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff = diff | static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

}  // namespace ivy::link
