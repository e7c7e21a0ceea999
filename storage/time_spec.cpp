#include "storage/time_spec.hpp"

#include <cctype>
#include <limits>
#include <optional>
#include <string>

namespace ivy::storage {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kDay = 86400 * kSecond;

// A cursor over the text with the small lexing steps the grammar needs.
struct Scanner {
  std::string_view s;
  std::size_t pos = 0;

  bool done() const { return pos == s.size(); }
  bool eat(char c) {
    if (done() || s[pos] != c) return false;
    ++pos;
    return true;
  }
  // Exactly `n` digits (n > 0), or up to 18 if n == 0.
  bool digits(std::size_t n, std::int64_t& out) {
    const std::size_t start = pos;
    const std::size_t max = n == 0 ? 18 : n;
    out = 0;
    while (!done() && pos - start < max && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      out = out * 10 + (s[pos++] - '0');
    }
    return pos > start && (n == 0 || pos - start == n);
  }
};

// Wide enough for any date or relative time the grammar can spell, in ns.
__extension__ typedef __int128 Wide;

std::optional<std::int64_t> in_range(Wide ns) {
  if (ns < std::numeric_limits<std::int64_t>::min() || ns > std::numeric_limits<std::int64_t>::max()) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(ns);
}

Unexpected<Error> bad(std::string_view text, const std::string& why) {
  return fail("bad time '" + std::string(text) + "': " + why);
}

std::int64_t local_midnight(const TimeContext& c) {
  const std::int64_t offset = std::int64_t{c.utc_offset_s} * kSecond;
  const std::int64_t local = c.now_ns + offset;
  const std::int64_t day = local >= 0 ? local / kDay : (local - kDay + 1) / kDay;
  return day * kDay - offset;
}

Result<std::int64_t> parse_relative(std::string_view text, const TimeContext& c) {
  Scanner sc{text, 1};
  std::int64_t n = 0;
  if (!sc.digits(0, n) || n > 100'000'000) return bad(text, "expected a number after the sign");
  const std::string_view unit = text.substr(sc.pos);
  std::int64_t scale = 0;
  if (unit == "ms") scale = 1'000'000;
  else if (unit == "s") scale = kSecond;
  else if (unit == "m") scale = 60 * kSecond;
  else if (unit == "h") scale = 3600 * kSecond;
  else if (unit == "d") scale = kDay;
  else if (unit == "w") scale = 7 * kDay;
  else return bad(text, "unit must be ms, s, m, h, d or w");
  // 100'000'000 of the larger units is past what 64-bit ns can hold.
  const Wide delta = Wide{n} * scale;
  const auto ns = in_range(text[0] == '-' ? c.now_ns - delta : c.now_ns + delta);
  if (!ns) return bad(text, "out of range");
  return *ns;
}

Result<std::int64_t> parse_epoch(std::string_view text) {
  Scanner sc{text, 1};
  std::int64_t seconds = 0;
  if (!sc.digits(0, seconds) || seconds > 9'000'000'000) return bad(text, "expected @<seconds>");
  std::int64_t frac = 0;
  std::int64_t scale = kSecond;
  if (sc.eat('.')) {
    while (!sc.done() && std::isdigit(static_cast<unsigned char>(text[sc.pos])) && scale > 1) {
      scale /= 10;
      frac += (text[sc.pos++] - '0') * scale;
    }
  }
  if (!sc.done()) return bad(text, "unexpected text after the seconds");
  return seconds * kSecond + frac;
}

unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// Parses "HH:MM[:SS[.frac]]" into ns since midnight.
bool parse_clock(Scanner& sc, std::int64_t& out) {
  std::int64_t h = 0, m = 0, s = 0, frac = 0;
  if (!sc.digits(2, h) || !sc.eat(':') || !sc.digits(2, m)) return false;
  if (sc.eat(':')) {
    if (!sc.digits(2, s)) return false;
    if (sc.eat('.') || sc.eat(',')) {
      std::int64_t scale = kSecond;
      const std::size_t start = sc.pos;
      while (!sc.done() && std::isdigit(static_cast<unsigned char>(sc.s[sc.pos]))) {
        if (scale > 1) frac += (sc.s[sc.pos] - '0') * (scale /= 10);
        ++sc.pos;
      }
      if (sc.pos == start) return false;
    }
  }
  if (h > 23 || m > 59 || s > 60) return false;
  out = ((h * 60 + m) * 60 + s) * kSecond + frac;
  return true;
}

// Parses "Z", "+HH", "+HH:MM", "+HHMM" (or '-') into seconds east of UTC.
bool parse_zone(Scanner& sc, std::int32_t& offset_s) {
  if (sc.eat('Z') || sc.eat('z')) {
    offset_s = 0;
    return true;
  }
  const bool east = sc.eat('+');
  if (!east && !sc.eat('-')) return false;
  std::int64_t h = 0, m = 0;
  if (!sc.digits(2, h)) return false;
  if (!sc.done()) {
    sc.eat(':');
    if (!sc.digits(2, m)) return false;
  }
  if (h > 23 || m > 59) return false;
  offset_s = static_cast<std::int32_t>((h * 60 + m) * 60 * (east ? 1 : -1));
  return true;
}

Result<std::int64_t> parse_iso(std::string_view text, const TimeContext& c) {
  Scanner sc{text};
  std::int64_t y = 0, mo = 0, d = 0;
  if (!sc.digits(4, y) || !sc.eat('-') || !sc.digits(2, mo) || !sc.eat('-') || !sc.digits(2, d)) {
    return bad(text, "expected YYYY-MM-DD");
  }
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, static_cast<unsigned>(mo))) {
    return bad(text, "no such date");
  }
  std::int64_t clock = 0;
  if (sc.eat('T') || sc.eat('t') || sc.eat(' ')) {
    if (!parse_clock(sc, clock)) return bad(text, "expected HH:MM[:SS[.frac]] after the date");
  }
  std::int32_t offset_s = c.utc_offset_s;
  if (!sc.done() && !parse_zone(sc, offset_s)) return bad(text, "expected Z or +HH:MM");
  if (!sc.done()) return bad(text, "unexpected text at position " + std::to_string(sc.pos));
  const std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  // 64-bit ns reach from 1677-09-21T00:12:44Z to 2262-04-11T23:47:16Z.
  const auto ns = in_range(Wide{days} * kDay + clock - Wide{offset_s} * kSecond);
  if (!ns) return bad(text, "out of range (1677-09-21 to 2262-04-11)");
  return *ns;
}

}  // namespace

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

Result<std::int64_t> parse_time_spec(std::string_view text, const TimeContext& c) {
  if (text.empty()) return bad(text, "empty");
  if (text == "now") return c.now_ns;
  if (text == "today") return local_midnight(c);
  if (text == "yesterday") return local_midnight(c) - kDay;
  if (text[0] == '-' || text[0] == '+') return parse_relative(text, c);
  if (text[0] == '@') return parse_epoch(text);
  if (std::isdigit(static_cast<unsigned char>(text[0]))) return parse_iso(text, c);
  return bad(text, "expected now, today, yesterday, -10m, @seconds or YYYY-MM-DD[THH:MM[:SS]][Z]");
}

}  // namespace ivy::storage
