#include "config/json_positions.hpp"

#include <algorithm>
#include <cctype>

namespace ivy::config {

namespace {

bool is_plain_key(std::string_view key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-';
  });
}

void append_utf8(std::string& out, unsigned code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

}  // namespace

std::string child_path(std::string_view parent, std::string_view key) {
  std::string out(parent);
  if (is_plain_key(key)) {
    if (!out.empty()) out += '.';
    out += key;
  } else {
    out += "[\"";
    out += key;
    out += "\"]";
  }
  return out;
}

std::string index_path(std::string_view parent, std::size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

std::string parent_path(std::string_view path) {
  std::size_t cut = 0;
  if (path.ends_with("\"]")) {
    cut = path.rfind("[\"");
  } else if (path.ends_with(']')) {
    cut = path.rfind('[');
  } else {
    cut = path.rfind('.');
  }
  return cut == std::string_view::npos ? std::string() : std::string(path.substr(0, cut));
}

TextPosition position_at_offset(std::string_view text, std::size_t offset) {
  TextPosition position{1, 1};
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++position.line;
      position.column = 1;
    } else {
      ++position.column;
    }
  }
  return position;
}

// A recursive-descent walk over already-valid JSON. It tracks line/column as
// it goes (one pass, no offset-to-line lookups) and records every value.
class PositionScanner {
 public:
  PositionScanner(std::string_view text, JsonPositions& out) : text_(text), out_(out) {}

  void scan_document() {
    // nlohmann skips a UTF-8 byte-order mark; so do we (without a column).
    if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
    skip_space();
    scan_value("", here(), 0);
  }

 private:
  // Deeper documents are legal JSON but never a sensible config; stop there
  // rather than risk the stack.
  static constexpr int kMaxDepth = 256;

  TextPosition here() const { return {line_, column_}; }
  bool done() const { return pos_ >= text_.size() || failed_; }
  char peek() const { return done() ? '\0' : text_[pos_]; }

  void advance() {
    if (done()) return;
    if (text_[pos_] == '\n') {
      ++line_;
      column_ = 1;
    } else {
      ++column_;
    }
    ++pos_;
  }

  void skip_space() {
    while (!done() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) {
      advance();
    }
  }

  void record(const std::string& path, TextPosition key, TextPosition value) {
    auto [it, inserted] = out_.entries_.try_emplace(path, JsonPositions::Entry{key, value});
    if (!inserted) {
      out_.duplicates_.push_back(path);
      it->second = JsonPositions::Entry{key, value};
    }
  }

  void scan_value(const std::string& path, TextPosition key, int depth) {
    if (depth > kMaxDepth) {
      failed_ = true;
      return;
    }
    record(path, key, here());
    switch (peek()) {
      case '{':
        return scan_object(path, depth);
      case '[':
        return scan_array(path, depth);
      case '"':
        scan_string();
        return;
      default:
        scan_scalar();
        return;
    }
  }

  void scan_object(const std::string& path, int depth) {
    advance();  // '{'
    skip_space();
    while (!done() && peek() != '}') {
      TextPosition key_position = here();
      std::string key = scan_string();
      skip_space();
      if (peek() == ':') advance();
      skip_space();
      scan_value(child_path(path, key), key_position, depth + 1);
      skip_space();
      if (peek() == ',') advance();
      skip_space();
    }
    if (!done()) advance();  // '}'
  }

  void scan_array(const std::string& path, int depth) {
    advance();  // '['
    skip_space();
    for (std::size_t index = 0; !done() && peek() != ']'; ++index) {
      scan_value(index_path(path, index), here(), depth + 1);
      skip_space();
      if (peek() == ',') advance();
      skip_space();
    }
    if (!done()) advance();  // ']'
  }

  // Numbers, true, false, null: everything up to a delimiter.
  void scan_scalar() {
    while (!done() && std::string_view(",]} \t\r\n").find(peek()) == std::string_view::npos) {
      advance();
    }
  }

  // Returns the decoded string, so keys match nlohmann's decoded keys.
  std::string scan_string() {
    std::string out;
    advance();  // opening quote
    while (!done() && peek() != '"') {
      if (peek() == '\\') {
        advance();
        scan_escape(out);
      } else {
        out += peek();
        advance();
      }
    }
    if (!done()) advance();  // closing quote
    return out;
  }

  void scan_escape(std::string& out) {
    char c = peek();
    advance();
    switch (c) {
      case 'n':
        out += '\n';
        return;
      case 't':
        out += '\t';
        return;
      case 'r':
        out += '\r';
        return;
      case 'b':
        out += '\b';
        return;
      case 'f':
        out += '\f';
        return;
      case 'u':
        return scan_unicode_escape(out);
      default:
        out += c;
        return;  // '"', '\\', '/'
    }
  }

  unsigned scan_hex4() {
    unsigned code = 0;
    for (int i = 0; i < 4 && !done(); ++i) {
      char c = peek();
      advance();
      code = code * 16 + static_cast<unsigned>(std::isdigit(static_cast<unsigned char>(c))
                                                   ? c - '0'
                                                   : (std::tolower(c) - 'a' + 10));
    }
    return code;
  }

  void scan_unicode_escape(std::string& out) {
    unsigned code = scan_hex4();
    if (code >= 0xD800 && code < 0xDC00 && peek() == '\\') {  // surrogate pair
      advance();
      advance();  // 'u'
      unsigned low = scan_hex4();
      code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
    }
    append_utf8(out, code);
  }

  std::string_view text_;
  JsonPositions& out_;
  std::size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
  bool failed_ = false;
};

JsonPositions JsonPositions::index(std::string_view text) {
  JsonPositions positions;
  PositionScanner(text, positions).scan_document();
  return positions;
}

std::optional<TextPosition> JsonPositions::value(std::string_view path) const {
  auto it = entries_.find(path);
  if (it == entries_.end()) return std::nullopt;
  return it->second.value;
}

std::optional<TextPosition> JsonPositions::nearest(std::string_view path) const {
  std::string at(path);
  while (true) {
    if (auto position = value(at)) return position;
    if (at.empty()) return std::nullopt;
    at = parent_path(at);
  }
}

std::optional<TextPosition> JsonPositions::key(std::string_view path) const {
  auto it = entries_.find(path);
  if (it == entries_.end()) return std::nullopt;
  return it->second.key;
}

}  // namespace ivy::config
