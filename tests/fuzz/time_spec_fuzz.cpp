// libFuzzer target: the `ivyctl --since/--until/--kind` arguments --
// storage::parse_time_spec (storage/time_spec.hpp) and storage::parse_kinds
// (storage/query.hpp).
//
// Input layout: the whole input is one time spec and one kind list (any
// bytes). Bytes 0..7 also give a relative amount n and byte 8 a unit for a
// well-formed "-<n><unit>" / "+<n><unit>" spec built from them.
//
// Invariants checked (a failure aborts, and libFuzzer keeps the input; UBSan
// aborts on any signed overflow):
//   - parse_time_spec never crashes; a failure carries a message;
//   - "now", "today", "yesterday" give now, local midnight (<= now, within a
//     day) and that minus a day;
//   - a spec that is "<sign><digits><unit>" parses (if at all) to now -/+
//     n * unit, computed here in 128 bits; the generated "-<n><unit>" always
//     parses when that value fits in 64 bits;
//   - "@<s>" gives s * 1e9 (+ fraction below a second);
//   - a parsed ISO date with an explicit "Z" is the same instant as the same
//     text with "+00:00";
//   - parse_kinds returns a non-empty mask within kAllKinds, exactly when
//     every comma-separated name is a kind or "all" and the list is not empty;
//     each kind's own name parses to its bit.

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

#include "storage/query.hpp"
#include "storage/time_spec.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using namespace ivy;
using namespace ivy::storage;

// 2026-11-25T10:00:00.123456789Z, local zone +01:00.
constexpr TimeContext kContext{1'764'064'800'123'456'789, 3600};
constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kDay = 86400 * kSecond;

struct Unit {
  std::string_view name;
  std::int64_t ns;
};
constexpr Unit kUnits[] = {{"ms", 1'000'000},  {"s", kSecond},   {"m", 60 * kSecond},
                           {"h", 3600 * kSecond}, {"d", kDay},    {"w", 7 * kDay}};

bool fits(__int128 v) {
  return v >= std::numeric_limits<std::int64_t>::min() && v <= std::numeric_limits<std::int64_t>::max();
}

// "<sign><digits><unit>": the expected value, if the text has that shape.
void check_relative(std::string_view text, const Result<std::int64_t>& r) {
  if (text.size() < 3 || (text[0] != '-' && text[0] != '+')) return;
  std::size_t i = 1;
  __int128 n = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    if (i > 19) {  // 20+ digits: past the accepted amounts (and past 128 bits here)
      FUZZ_CHECK(!r.ok());
      return;
    }
    n = n * 10 + (text[i] - '0');
    ++i;
  }
  if (i == 1) return;
  const std::string_view unit = text.substr(i);
  for (const Unit& u : kUnits) {
    if (unit != u.name) continue;
    if (!r) return;  // out of the accepted range: a message is enough
    const __int128 expect = text[0] == '-' ? __int128{kContext.now_ns} - n * u.ns
                                           : __int128{kContext.now_ns} + n * u.ns;
    FUZZ_CHECK(fits(expect));
    FUZZ_CHECK(*r == static_cast<std::int64_t>(expect));
    return;
  }
}

void check_epoch(std::string_view text, const Result<std::int64_t>& r) {
  if (!r || text.empty() || text[0] != '@') return;
  __int128 seconds = 0;
  std::size_t i = 1;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    seconds = seconds * 10 + (text[i++] - '0');
  }
  FUZZ_CHECK(*r >= seconds * kSecond && *r < (seconds + 1) * kSecond);
}

void check_zone(std::string_view text, const Result<std::int64_t>& r) {
  if (!r || text.size() < 2 || text.back() != 'Z') return;
  const std::string plus = std::string(text.substr(0, text.size() - 1)) + "+00:00";
  const auto again = parse_time_spec(plus, kContext);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == *r);
}

// A well-formed relative spec from bytes 0..8.
void check_generated(std::string_view input) {
  if (input.size() < 9) return;
  std::uint64_t raw = 0;
  std::memcpy(&raw, input.data(), sizeof raw);
  // Mostly small amounts, sometimes around the accepted limit (1e8).
  const std::uint64_t n = (input[8] & 0x80) ? raw % 200'000'000 : raw % 100'000;
  const Unit& u = kUnits[static_cast<unsigned char>(input[8]) % 6];
  const bool minus = (input[8] & 0x40) == 0;
  const std::string spec = (minus ? "-" : "+") + std::to_string(n) + std::string(u.name);
  const auto r = parse_time_spec(spec, kContext);
  const __int128 expect = minus ? __int128{kContext.now_ns} - __int128{n} * u.ns
                                : __int128{kContext.now_ns} + __int128{n} * u.ns;
  if (n <= 100'000'000 && fits(expect)) {
    if (!r) std::fprintf(stderr, "'%s': %s\n", spec.c_str(), r.error().message.c_str());
    FUZZ_CHECK(r.ok());
  }
  if (!r) return;
  FUZZ_CHECK(fits(expect));
  FUZZ_CHECK(*r == static_cast<std::int64_t>(expect));
  if (minus && u.name == "m" && n == 10) FUZZ_CHECK(*r == kContext.now_ns - 600 * kSecond);
}

void check_kinds(std::string_view list) {
  const auto mask = parse_kinds(list);
  // The reference: split on ',' and look every name up.
  bool ok = !list.empty();
  KindMask expect = 0;
  std::string_view rest = list;
  while (ok) {
    const auto comma = rest.find(',');
    const std::string_view name = rest.substr(0, comma);
    if (name == "all") {
      expect |= kAllKinds;
    } else if (const auto k = parse_entry_kind(name)) {
      FUZZ_CHECK(to_string(*k) == name);
      expect |= kind_bit(*k);
    } else {
      ok = false;
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
    if (rest.empty()) break;  // a trailing comma is tolerated
  }
  ok = ok && expect != 0;
  FUZZ_CHECK(mask.has_value() == ok);
  if (mask) {
    FUZZ_CHECK(*mask == expect);
    FUZZ_CHECK(*mask != 0 && (*mask & ~kAllKinds) == 0);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const auto r = parse_time_spec(text, kContext);
  if (!r) {
    FUZZ_CHECK(!r.error().message.empty());
  } else if (text == "now") {
    FUZZ_CHECK(*r == kContext.now_ns);
  } else if (text == "today" || text == "yesterday") {
    const std::int64_t midnight = text == "today" ? *r : *r + kDay;
    FUZZ_CHECK(midnight <= kContext.now_ns && kContext.now_ns - midnight < kDay);
    FUZZ_CHECK((midnight + std::int64_t{kContext.utc_offset_s} * kSecond) % kDay == 0);
  }
  check_relative(text, r);
  check_epoch(text, r);
  check_zone(text, r);
  check_generated(text);

  check_kinds(text);
  return 0;
}
