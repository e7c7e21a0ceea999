#pragma once
// CopyRows: rows in PostgreSQL's COPY text format (tab-separated, "\N" for
// NULL, backslash escapes), built in one buffer for PgConnection::copy_in.
// Pure.
//
// Ivy text is bytes, and a PostgreSQL text value must be valid UTF-8 without
// NUL: one bad byte would make the server refuse the whole batch, and the
// shipper would stall on it forever. So every invalid sequence and every NUL
// becomes U+FFFD (as `ivyctl --format json` shows them), and the rows so
// changed are counted. Valid UTF-8 passes byte for byte.
//
//   CopyRows rows;
//   rows.add(std::int64_t{7}).add("a\tb").add_null().end_row();   // "7\ta\\tb\t\\N\n"

#include <cstdint>
#include <string>
#include <string_view>

namespace ivy::storage {

class CopyRows {
 public:
  CopyRows& add(std::int64_t value);
  CopyRows& add(std::string_view text);
  CopyRows& add_null();
  // NULL when `text` is empty.
  CopyRows& add_or_null(std::string_view text) { return text.empty() ? add_null() : add(text); }
  void end_row();

  const std::string& data() const { return data_; }
  std::size_t rows() const { return rows_; }
  bool empty() const { return rows_ == 0; }
  // Rows with at least one value repaired (invalid UTF-8 or NUL).
  std::uint64_t repaired_rows() const { return repaired_rows_; }
  void clear();

 private:
  void separate();
  void append_escaped(std::string_view valid_utf8);

  std::string data_;
  std::size_t rows_ = 0;
  std::uint64_t repaired_rows_ = 0;
  bool row_started_ = false;
  bool row_repaired_ = false;
};

// Length of the valid UTF-8 prefix of `text` that holds no NUL (== size()
// when the whole text is fine).
std::size_t valid_utf8_prefix(std::string_view text);
// `text` with each invalid UTF-8 sequence and each NUL replaced by U+FFFD.
std::string repair_utf8(std::string_view text);

}  // namespace ivy::storage
