#pragma once
// JsonPositions: where each value of a JSON document sits in its text.
//
// nlohmann::json keeps no source positions, so problems found while reading
// the parsed value would have no line/column. This index is built by a second,
// tiny scan over the same text and maps each JSON path to the line and column
// of the value (and, for object members, of the key):
//
//   auto positions = JsonPositions::index(R"({"buses": [{"spec": 1}]})");
//   positions.value("buses[0].spec");  // {1, 21}
//
// Paths are spelt by child_path()/index_path(); the loader uses the same two
// functions, so the spellings always match. The scan also notices duplicate
// keys, which nlohmann silently collapses.
//
// Contract: index() expects text that a JSON parser has already accepted. On
// anything else it stops early and the missing paths simply have no position.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ivy::config {

struct TextPosition {
  int line = 0;    // 1-based
  int column = 0;  // 1-based, counted in bytes

  bool operator==(const TextPosition&) const = default;
};

// `parent.key`, or `parent["key"]` when the key is not a plain identifier
// (letters, digits, '_', '-'). With an empty parent: `key`.
std::string child_path(std::string_view parent, std::string_view key);

// `parent[index]`.
std::string index_path(std::string_view parent, std::size_t index);

// The enclosing path: "buses[1].spec" -> "buses[1]" -> "buses" -> "".
std::string parent_path(std::string_view path);

// Line and column of a byte offset (an offset past the end gives the end).
TextPosition position_at_offset(std::string_view text, std::size_t offset);

class JsonPositions {
 public:
  static JsonPositions index(std::string_view text);

  // Position of the value at `path` ("" = the document).
  std::optional<TextPosition> value(std::string_view path) const;

  // Position of the value at `path`, or of its nearest ancestor that has one
  // (a missing key is reported at the object that lacks it).
  std::optional<TextPosition> nearest(std::string_view path) const;

  // Position of the key of the object member at `path`; for an array element
  // or the document, the value position.
  std::optional<TextPosition> key(std::string_view path) const;

  // Paths of keys that appear more than once in their object, one entry per
  // repeat, in text order. Their key() is the position of the repeat.
  const std::vector<std::string>& duplicate_keys() const { return duplicates_; }

 private:
  struct Entry {
    TextPosition key;
    TextPosition value;
  };
  friend class PositionScanner;

  std::map<std::string, Entry, std::less<>> entries_;
  std::vector<std::string> duplicates_;
};

}  // namespace ivy::config
