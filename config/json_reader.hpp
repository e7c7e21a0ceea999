#pragma once
// Reading a parsed JSON document into Config members while collecting every
// problem, instead of stopping at the first.
//
// ProblemSink gathers ConfigProblems and stamps each with the line/column of
// its path (from JsonPositions). ObjectReader reads the members of one JSON
// object into plain variables:
//
//   ObjectReader in(json["recorder"], "recorder", sink);
//   in.read("path", recorder.path);                 // string
//   in.read_integer("queue_size", recorder.queue_size, 1, 10'000'000);
//   in.read_bytes("rotate_bytes", recorder.rotate_bytes, 0, kMax);  // 1024 or "1GiB"
//   in.finish();                                    // unknown keys, with suggestions
//
// Every read leaves its output untouched when the key is absent (so the
// member initialiser stays the default) or when the value is wrong (after
// reporting it). Keys read are the object's known keys: finish() reports any
// other key as unknown, suggesting the nearest known one. A "comment" key
// holding a string is accepted in every object and ignored.
//
// Not thread-safe; one sink per document.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config_problem.hpp"
#include "config/enum_names.hpp"
#include "config/json_positions.hpp"

namespace ivy::config {

class ProblemSink {
 public:
  // `positions` may be null (no text, e.g. a document built in code); it must
  // outlive the sink.
  ProblemSink(std::string source, const JsonPositions* positions);

  // A problem located at the value at `path` (or its nearest located
  // ancestor, for a value that is not in the text).
  void at_value(const std::string& path, std::string message);
  // A problem located at the key of the member at `path` (unknown keys).
  void at_key(const std::string& path, std::string message);

  bool empty() const { return problems_.empty(); }
  ConfigProblems take() { return std::move(problems_); }

 private:
  void add(const std::string& path, std::optional<TextPosition> position, std::string message);

  std::string source_;
  const JsonPositions* positions_;
  ConfigProblems problems_;
};

class ObjectReader {
 public:
  // Reports "expected an object" when `value` is not one; the reads then do
  // nothing and ok() is false.
  ObjectReader(const nlohmann::json& value, std::string path, ProblemSink& sink);

  bool ok() const { return object_ != nullptr; }
  std::string path_of(std::string_view key) const { return child_path(path_, key); }
  ProblemSink& sink() { return sink_; }

  void read(std::string_view key, bool& out);
  void read(std::string_view key, std::string& out);
  void read(std::string_view key, std::optional<std::string>& out);
  void read(std::string_view key, std::vector<std::string>& out);

  void read_integer(std::string_view key, std::uint32_t& out, std::uint64_t min, std::uint64_t max);
  // An integer byte count, or a string with a binary unit ("64MiB").
  void read_bytes(std::string_view key, std::uint64_t& out, std::uint64_t min, std::uint64_t max);
  // An integer in the key's unit, or a string with a unit ("10m", "250ms"),
  // which must come to a whole number of the key's unit.
  template <class Duration>
  void read_duration(std::string_view key, Duration& out, std::int64_t min, std::int64_t max);

  // True if the key was present and valid.
  template <class E>
  bool read_enum(std::string_view key, E& out,
                 std::span<const EnumName<std::type_identity_t<E>>> names);

  // The member, marked as known, or null if absent. Type checks are the
  // caller's (use expect_array / ObjectReader on it).
  const nlohmann::json* child(std::string_view key);
  // The member if it is an array; reports "expected an array" otherwise.
  const nlohmann::json* array(std::string_view key);

  // Reports "missing required key" (at the object) when `key` is absent.
  bool require(std::string_view key);

  // Reports every member that no read/child/require asked for.
  void finish();

 private:
  const nlohmann::json* find(std::string_view key);
  std::optional<std::int64_t> duration_count(std::string_view key, const nlohmann::json& value,
                                             std::int64_t unit_ms);
  void report_type(std::string_view key, const nlohmann::json& value, std::string_view expected);
  void report_enum(std::string_view key, const nlohmann::json& value,
                   std::span<const std::string_view> allowed);

  const nlohmann::json* object_;
  std::string path_;
  ProblemSink& sink_;
  std::vector<std::string> known_;
};

// A short rendering of a JSON value for messages: `"abc"`, `12`, `an object`.
std::string describe(const nlohmann::json& value);

template <class Duration>
void ObjectReader::read_duration(std::string_view key, Duration& out, std::int64_t min,
                                 std::int64_t max) {
  const nlohmann::json* value = find(key);
  if (!value) return;
  constexpr auto kUnitMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(Duration(1)).count();
  std::optional<std::int64_t> count = duration_count(key, *value, kUnitMs);
  if (!count) return;
  if (*count < min || *count > max) {
    sink_.at_value(path_of(key), describe(*value) + ": out of range " + std::to_string(min) + "-" +
                                     std::to_string(max) + (kUnitMs == 1 ? " ms" : " s"));
    return;
  }
  out = Duration(*count);
}

template <class E>
bool ObjectReader::read_enum(std::string_view key, E& out,
                             std::span<const EnumName<std::type_identity_t<E>>> names) {
  const nlohmann::json* value = find(key);
  if (!value) return false;
  std::vector<std::string_view> allowed;
  for (const auto& entry : names) allowed.push_back(entry.name);
  if (value->is_string()) {
    if (auto parsed = enum_from_name(names, value->template get_ref<const std::string&>())) {
      out = *parsed;
      return true;
    }
  }
  report_enum(key, *value, allowed);
  return false;
}

}  // namespace ivy::config
