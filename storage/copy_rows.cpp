#include "storage/copy_rows.hpp"

#include <charconv>

namespace ivy::storage {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed UTF-8 sequence at text[at] (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF), or 0. NUL is 0 too.
std::size_t sequence_length(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char b0 = byte(at);
  if (b0 >= 0x01 && b0 <= 0x7F) return 1;
  std::size_t length = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) length = 2;
  else if (b0 == 0xE0) length = 3, lo = 0xA0;
  else if (b0 >= 0xE1 && b0 <= 0xEC) length = 3;
  else if (b0 == 0xED) length = 3, hi = 0x9F;
  else if (b0 >= 0xEE && b0 <= 0xEF) length = 3;
  else if (b0 == 0xF0) length = 4, lo = 0x90;
  else if (b0 >= 0xF1 && b0 <= 0xF3) length = 4;
  else if (b0 == 0xF4) length = 4, hi = 0x8F;
  else return 0;
  if (at + length > text.size()) return 0;
  if (byte(at + 1) < lo || byte(at + 1) > hi) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (byte(at + i) < 0x80 || byte(at + i) > 0xBF) return 0;
  }
  return length;
}

}  // namespace

std::size_t valid_utf8_prefix(std::string_view text) {
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t n = sequence_length(text, at);
    if (n == 0) break;
    at += n;
  }
  return at;
}

std::string repair_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t n = sequence_length(text, at);
    if (n == 0) {
      out += kReplacement;
      ++at;
    } else {
      out.append(text.substr(at, n));
      at += n;
    }
  }
  return out;
}

void CopyRows::separate() {
  if (row_started_) data_ += '\t';
  row_started_ = true;
}

CopyRows& CopyRows::add(std::int64_t value) {
  separate();
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, value).ptr;
  data_.append(buf, end);
  return *this;
}

CopyRows& CopyRows::add_null() {
  separate();
  data_ += "\\N";
  return *this;
}

CopyRows& CopyRows::add(std::string_view text) {
  separate();
  if (valid_utf8_prefix(text) == text.size()) {
    append_escaped(text);
  } else {
    append_escaped(repair_utf8(text));
    row_repaired_ = true;
  }
  return *this;
}

// COPY text format: backslash, tab, newline and carriage return are the
// characters with a meaning; everything else is taken as is.
void CopyRows::append_escaped(std::string_view text) {
  std::size_t plain = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const char* escape = c == '\\' ? "\\\\" : c == '\t' ? "\\t" : c == '\n' ? "\\n" : c == '\r' ? "\\r" : nullptr;
    if (escape == nullptr) continue;
    data_.append(text.substr(plain, i - plain));
    data_ += escape;
    plain = i + 1;
  }
  data_.append(text.substr(plain));
}

void CopyRows::end_row() {
  data_ += '\n';
  ++rows_;
  if (row_repaired_) ++repaired_rows_;
  row_started_ = false;
  row_repaired_ = false;
}

void CopyRows::clear() {
  data_.clear();
  rows_ = 0;
  repaired_rows_ = 0;
  row_started_ = false;
  row_repaired_ = false;
}

}  // namespace ivy::storage
