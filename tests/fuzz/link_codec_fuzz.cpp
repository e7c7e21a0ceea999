// libFuzzer target: the ivyd<->ivyd link codec (core/link_codec.hpp,
// docs/bridge.md) -- an arbitrary line -> decode, and a frame built from the
// bytes -> encode.
//
// Input layout: the whole input is first decoded as one line (LF and all:
// decode must reject or accept any bytes). Then the same bytes also build a
// frame: byte 0 picks the frame type (b % 8), and the rest is cut into the
// fields at each 0xFF byte (missing fields are empty; numbers are read from
// the first 8 bytes of their field).
//
// Invariants checked (a failure aborts, and libFuzzer keeps the input):
//   - decode never crashes; a failure carries a message;
//   - a decoded frame encodes to one line: one LF, at the end, and no CR or
//     NUL anywhere; that line decodes back to the same frame, and encoding it
//     again gives the same bytes (the encoding is canonical);
//   - any frame we build encodes to such a line and decodes back to itself;
//   - escape/unescape round-trip every field (last or not); an escaped
//     non-last field holds no space;
//   - tokens_equal agrees with ==.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/link_codec.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using namespace ivy;

bool has(std::string_view s, char c) { return s.find(c) != std::string_view::npos; }

// What encode promises of its line.
void check_wire(std::string_view wire) {
  FUZZ_CHECK(!wire.empty() && wire.back() == '\n');
  FUZZ_CHECK(std::count(wire.begin(), wire.end(), '\n') == 1);
  FUZZ_CHECK(!has(wire, '\r'));
  FUZZ_CHECK(!has(wire, '\0'));
}

// encode -> decode -> same frame, and encoding is a fixed point.
void check_round_trip(const link::Frame& frame) {
  const std::string wire = link::encode(frame);
  check_wire(wire);
  const std::string_view line(wire.data(), wire.size() - 1);
  const auto back = link::decode(line);
  if (!back) std::fprintf(stderr, "decode(encode(x)) failed: %s\n", back.error().message.c_str());
  FUZZ_CHECK(back.ok());
  FUZZ_CHECK(*back == frame);
  FUZZ_CHECK(link::encode(*back) == wire);
}

void check_escape(std::string_view field) {
  for (const bool last : {false, true}) {
    const std::string escaped = link::escape(field, last);
    FUZZ_CHECK(!has(escaped, '\n') && !has(escaped, '\r') && !has(escaped, '\0'));
    if (!last) FUZZ_CHECK(!has(escaped, ' '));
    const auto back = link::unescape(escaped);
    FUZZ_CHECK(back.ok());
    FUZZ_CHECK(*back == field);
  }
}

std::uint64_t read_u64(std::string_view field) {
  std::uint64_t v = 0;
  std::memcpy(&v, field.data(), std::min(field.size(), sizeof v));
  return v;
}

// A frame built from the bytes (see the input layout above).
link::Frame build_frame(std::string_view input) {
  const unsigned kind = input.empty() ? 0 : static_cast<unsigned char>(input[0]) % 8;
  if (!input.empty()) input.remove_prefix(1);
  std::vector<std::string> f;
  for (;;) {
    const auto cut = input.find('\xff');
    f.emplace_back(input.substr(0, cut));
    if (cut == std::string_view::npos) break;
    input.remove_prefix(cut + 1);
  }
  f.resize(std::max<std::size_t>(f.size(), 6));
  switch (kind) {
    case 0: {
      // The version decode accepts: 0..1'000'000.
      const int version = static_cast<int>(read_u64(f[0]) % 1'000'001);
      return link::Hello{version, f[1], f[2], !f[3].empty(), f[4], f[5]};
    }
    case 1:
      return link::Message{f[0], read_u64(f[1]), f[2], f[3], f[4]};
    case 2:
      return link::InterestAdd{f[0]};
    case 3:
      return link::InterestRemove{f[0]};
    case 4:
      return link::InterestReset{};
    case 5:
      return link::Ping{read_u64(f[0])};
    case 6:
      return link::Pong{read_u64(f[0])};
    default:
      return link::Bye{f[0]};
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // 1. The bytes as a received line.
  const auto decoded = link::decode(input);
  if (!decoded) {
    FUZZ_CHECK(!decoded.error().message.empty());
  } else {
    check_round_trip(*decoded);
  }

  // 2. The bytes as a frame to send.
  check_round_trip(build_frame(input));

  // 3. Field escaping and token comparison on the raw bytes.
  check_escape(input);
  const std::string_view a = input.substr(0, input.size() / 2);
  const std::string_view b = input.substr(input.size() / 2);
  FUZZ_CHECK(link::tokens_equal(a, b) == (a == b));
  FUZZ_CHECK(link::tokens_equal(a, a));
  return 0;
}
