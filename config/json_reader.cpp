#include "config/json_reader.hpp"

#include <algorithm>
#include <utility>

#include "config/quantity.hpp"
#include "config/suggest.hpp"

namespace ivy::config {

namespace {

constexpr std::string_view kCommentKey = "comment";

std::string quoted_list(std::span<const std::string_view> names) {
  std::string out;
  for (std::string_view name : names) {
    if (!out.empty()) out += ", ";
    out += "\"" + std::string(name) + "\"";
  }
  return out;
}

}  // namespace

std::string describe(const nlohmann::json& value) {
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array";
  std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

ProblemSink::ProblemSink(std::string source, const JsonPositions* positions)
    : source_(std::move(source)), positions_(positions) {}

void ProblemSink::at_value(const std::string& path, std::string message) {
  add(path, positions_ ? positions_->nearest(path) : std::nullopt, std::move(message));
}

void ProblemSink::at_key(const std::string& path, std::string message) {
  add(path, positions_ ? positions_->key(path) : std::nullopt, std::move(message));
}

void ProblemSink::add(const std::string& path, std::optional<TextPosition> position,
                      std::string message) {
  TextPosition at = position.value_or(TextPosition{});
  problems_.push_back(ConfigProblem{source_, path, at.line, at.column, std::move(message)});
}

ObjectReader::ObjectReader(const nlohmann::json& value, std::string path, ProblemSink& sink)
    : object_(value.is_object() ? &value : nullptr), path_(std::move(path)), sink_(sink) {
  if (!object_) sink_.at_value(path_, "expected an object, got " + describe(value));
}

const nlohmann::json* ObjectReader::find(std::string_view key) {
  known_.emplace_back(key);
  if (!object_) return nullptr;
  auto it = object_->find(key);
  return it == object_->end() ? nullptr : &*it;
}

const nlohmann::json* ObjectReader::child(std::string_view key) { return find(key); }

const nlohmann::json* ObjectReader::array(std::string_view key) {
  const nlohmann::json* value = find(key);
  if (value && !value->is_array()) {
    report_type(key, *value, "an array");
    return nullptr;
  }
  return value;
}

bool ObjectReader::require(std::string_view key) {
  if (find(key) || !object_) return true;
  sink_.at_value(path_of(key), "missing required key \"" + std::string(key) + "\"");
  return false;
}

void ObjectReader::report_type(std::string_view key, const nlohmann::json& value,
                               std::string_view expected) {
  sink_.at_value(path_of(key), "expected " + std::string(expected) + ", got " + describe(value));
}

void ObjectReader::report_enum(std::string_view key, const nlohmann::json& value,
                               std::span<const std::string_view> allowed) {
  std::string message = describe(value) + ": must be one of " + quoted_list(allowed);
  if (value.is_string()) {
    if (auto near = suggest(value.get_ref<const std::string&>(), allowed)) {
      message += " (did you mean \"" + *near + "\"?)";
    }
  }
  sink_.at_value(path_of(key), std::move(message));
}

void ObjectReader::read(std::string_view key, bool& out) {
  const nlohmann::json* value = find(key);
  if (!value) return;
  if (!value->is_boolean()) return report_type(key, *value, "true or false");
  out = value->get<bool>();
}

void ObjectReader::read(std::string_view key, std::string& out) {
  const nlohmann::json* value = find(key);
  if (!value) return;
  if (!value->is_string()) return report_type(key, *value, "a string");
  out = value->get<std::string>();
}

void ObjectReader::read(std::string_view key, std::optional<std::string>& out) {
  const nlohmann::json* value = find(key);
  if (!value || value->is_null()) return;
  if (!value->is_string()) return report_type(key, *value, "a string or null");
  out = value->get<std::string>();
}

void ObjectReader::read(std::string_view key, std::vector<std::string>& out) {
  const nlohmann::json* value = array(key);
  if (!value) return;
  std::vector<std::string> strings;
  for (std::size_t i = 0; i < value->size(); ++i) {
    const nlohmann::json& element = (*value)[i];
    if (element.is_string()) {
      strings.push_back(element.get<std::string>());
    } else {
      sink_.at_value(index_path(path_of(key), i), "expected a string, got " + describe(element));
    }
  }
  out = std::move(strings);
}

void ObjectReader::read_integer(std::string_view key, std::uint32_t& out, std::uint64_t min,
                                std::uint64_t max) {
  const nlohmann::json* value = find(key);
  if (!value) return;
  std::string range = std::to_string(min) + "-" + std::to_string(max);
  if (!value->is_number_integer()) return report_type(key, *value, "an integer " + range);
  if (value->is_number_unsigned() && value->get<std::uint64_t>() >= min &&
      value->get<std::uint64_t>() <= max) {
    out = static_cast<std::uint32_t>(value->get<std::uint64_t>());
    return;
  }
  sink_.at_value(path_of(key), describe(*value) + ": out of range " + range);
}

void ObjectReader::read_bytes(std::string_view key, std::uint64_t& out, std::uint64_t min,
                              std::uint64_t max) {
  const nlohmann::json* value = find(key);
  if (!value) return;
  std::uint64_t bytes = 0;
  if (value->is_number_unsigned()) {
    bytes = value->get<std::uint64_t>();
  } else if (value->is_string()) {
    auto parsed = parse_byte_size(value->get_ref<const std::string&>());
    if (!parsed) return sink_.at_value(path_of(key), parsed.error().message);
    bytes = *parsed;
  } else {
    return report_type(key, *value, "a byte count (integer or a string such as \"64MiB\")");
  }
  if (bytes < min || bytes > max) {
    return sink_.at_value(path_of(key), describe(*value) + ": out of range " + std::to_string(min) +
                                            "-" + std::to_string(max) + " bytes");
  }
  out = bytes;
}

std::optional<std::int64_t> ObjectReader::duration_count(std::string_view key,
                                                         const nlohmann::json& value,
                                                         std::int64_t unit_ms) {
  if (value.is_number_integer()) return value.get<std::int64_t>();
  if (!value.is_string()) {
    report_type(key, value,
                unit_ms == 1 ? "milliseconds (integer or a string such as \"250ms\")"
                             : "seconds (integer or a string such as \"10m\")");
    return std::nullopt;
  }
  auto ms = parse_duration(value.get_ref<const std::string&>());
  if (!ms) {
    sink_.at_value(path_of(key), ms.error().message);
    return std::nullopt;
  }
  if (ms->count() % unit_ms != 0) {
    sink_.at_value(path_of(key), describe(value) + ": not a whole number of seconds");
    return std::nullopt;
  }
  return ms->count() / unit_ms;
}

void ObjectReader::finish() {
  if (!object_) return;
  std::vector<std::string_view> known(known_.begin(), known_.end());
  for (const auto& [key, value] : object_->items()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    if (key == kCommentKey) {
      if (!value.is_string()) report_type(key, value, "a string");
      continue;
    }
    std::string message = "unknown key \"" + key + "\"";
    if (auto near = suggest(key, known)) message += " (did you mean \"" + *near + "\"?)";
    sink_.at_key(path_of(key), std::move(message));
  }
}

}  // namespace ivy::config
