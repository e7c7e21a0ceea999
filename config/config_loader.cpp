#include "config/config_loader.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "config/config_reader.hpp"
#include "config/config_validate.hpp"
#include "config/json_positions.hpp"
#include "config/json_reader.hpp"

namespace ivy::config {

namespace {

// nlohmann's message is "[json.exception.parse_error.101] parse error at line
// 3, column 5: syntax error while parsing ..."; the position goes into our own
// fields, so keep only the text after the position.
// Other parser errors ("[json.exception.out_of_range.406] number overflow
// parsing '1e400'") keep the text after the exception id.
std::string syntax_message(const std::string& what) {
  const std::string marker = ": ";
  std::size_t at = what.find("parse error");
  at = at == std::string::npos ? std::string::npos : what.find(marker, at);
  if (at != std::string::npos) return "JSON syntax error: " + what.substr(at + marker.size());
  at = what.rfind("] ", what.find(' '));
  return "JSON syntax error: " + (at == std::string::npos ? what : what.substr(at + 2));
}

// `byte` is 1-based and points at the offending character.
ConfigResult syntax_error(std::string_view json, std::string_view source, std::size_t byte,
                          const std::string& what) {
  TextPosition at = position_at_offset(json, byte > 0 ? byte - 1 : 0);
  return fail_with(ConfigProblems{
      ConfigProblem{std::string(source), "", at.line, at.column, syntax_message(what)}});
}

// A SAX consumer that only notes where the parser gave up: nlohmann reports a
// number too large for a double (out_of_range.406) without a position. Its
// `byte` is 1-based, like parse_error::byte.
struct ErrorLocator : nlohmann::json::json_sax_t {
  std::size_t byte = 0;
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  // `position` is just past the token; point at its first byte instead.
  bool parse_error(std::size_t position, const std::string& token,
                   const nlohmann::json::exception&) override {
    byte = token.size() <= position ? position - token.size() + 1 : position;
    return false;
  }
};

bool is_under(const std::string& path, const std::string& ancestor) {
  if (path.compare(0, ancestor.size(), ancestor) != 0) return false;
  return path.size() == ancestor.size() || ancestor.empty() || path[ancestor.size()] == '.' ||
         path[ancestor.size()] == '[';
}

// Adds the whole-config problems, except those on values already reported.
void add_validation(const Config& config, const ConfigProblems& reading, ProblemSink& sink) {
  for (const ConfigProblem& problem : validate(config)) {
    bool seen = false;
    for (const ConfigProblem& earlier : reading) {
      seen = seen || (!earlier.path.empty() && is_under(problem.path, earlier.path));
    }
    if (!seen) sink.at_value(problem.path, problem.message);
  }
}

// Problems without a position (none expected from a text) go last.
ConfigProblems in_text_order(ConfigProblems problems) {
  auto key = [](const ConfigProblem& p) {
    return std::pair(p.line == 0 ? INT_MAX : p.line, p.column);
  };
  std::stable_sort(problems.begin(), problems.end(),
                   [&](const auto& a, const auto& b) { return key(a) < key(b); });
  return problems;
}

}  // namespace

ConfigResult load_config_text(std::string_view json, std::string_view source_name) {
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(json.begin(), json.end());
  } catch (const nlohmann::json::parse_error& error) {
    return syntax_error(json, source_name, error.byte, error.what());
  } catch (const nlohmann::json::exception& error) {
    // Not a parse_error, but still bad text: e.g. 1e400 (out_of_range.406).
    ErrorLocator locator;
    nlohmann::json::sax_parse(json.begin(), json.end(), &locator);
    return syntax_error(json, source_name, locator.byte, error.what());
  }
  const JsonPositions positions = JsonPositions::index(json);
  ProblemSink sink{std::string(source_name), &positions};
  for (const std::string& path : positions.duplicate_keys()) {
    sink.at_key(path, "key repeated in the same object (the last one would win)");
  }
  Config config = read_config(document, sink);
  ConfigProblems problems = sink.take();
  ProblemSink checks{std::string(source_name), &positions};
  add_validation(config, problems, checks);
  for (ConfigProblem& problem : checks.take()) problems.push_back(std::move(problem));
  if (!problems.empty()) return fail_with(in_text_order(std::move(problems)));
  return config;
}

ConfigResult load_config_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return fail_with(ConfigProblems{
        ConfigProblem{path, "", 0, 0, std::string("cannot read: ") + std::strerror(errno)}});
  }
  std::ostringstream text;
  text << file.rdbuf();
  return load_config_text(text.str(), path);
}

}  // namespace ivy::config
