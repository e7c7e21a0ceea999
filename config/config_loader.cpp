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
std::string syntax_message(const std::string& what) {
  const std::string marker = ": ";
  std::size_t at = what.find("parse error");
  at = at == std::string::npos ? std::string::npos : what.find(marker, at);
  return "JSON syntax error: " + (at == std::string::npos ? what : what.substr(at + marker.size()));
}

ConfigResult syntax_error(std::string_view json, std::string_view source,
                          const nlohmann::json::parse_error& error) {
  // `byte` is 1-based and points at the offending character.
  TextPosition at = position_at_offset(json, error.byte > 0 ? error.byte - 1 : 0);
  return fail_with(ConfigProblems{
      ConfigProblem{std::string(source), "", at.line, at.column, syntax_message(error.what())}});
}

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
    return syntax_error(json, source_name, error);
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
