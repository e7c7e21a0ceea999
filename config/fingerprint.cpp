#include "config/fingerprint.hpp"

#include <cctype>

namespace ivy::config {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower >= 'a' && lower <= 'f') return lower - 'a' + 10;
  return -1;
}

// openssl prints "sha256 Fingerprint=AB:..." (3.x) or "SHA256 Fingerprint=" (1.1).
std::string_view without_prefix(std::string_view text) {
  for (std::string_view prefix : {"sha256 fingerprint=", "sha256:"}) {
    if (text.size() < prefix.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < prefix.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(text[i])) == prefix[i];
    }
    if (same) return text.substr(prefix.size());
  }
  return text;
}

}  // namespace

Result<Fingerprint> parse_fingerprint(std::string_view text) {
  const std::string quoted = "\"" + std::string(text) + "\": ";
  std::string digits;
  for (const char c : without_prefix(text)) {
    if (c == ':') continue;
    if (hex_value(c) < 0)
      return fail(quoted + "not a hex SHA-256 fingerprint (unexpected '" + std::string(1, c) +
                  "')");
    digits += c;
  }
  if (digits.size() != 64) {
    return fail(quoted + std::to_string(digits.size() / 2) + (digits.size() % 2 ? ".5" : "") +
                " bytes, a SHA-256 fingerprint has 32 (64 hex digits)");
  }
  Fingerprint out{};
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] =
        static_cast<std::uint8_t>(hex_value(digits[2 * i]) * 16 + hex_value(digits[2 * i + 1]));
  }
  return out;
}

std::string to_string(const Fingerprint& fingerprint) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const std::uint8_t byte : fingerprint) {
    if (!out.empty()) out += ':';
    out += kHex[byte >> 4];
    out += kHex[byte & 0xF];
  }
  return out;
}

}  // namespace ivy::config
