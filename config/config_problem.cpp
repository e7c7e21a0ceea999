#include "config/config_problem.hpp"

namespace ivy::config {

std::string to_string(const ConfigProblem& problem) {
  std::string out;
  if (!problem.source.empty()) out += problem.source + ":";
  if (problem.line > 0) {
    out += std::to_string(problem.line) + ":" + std::to_string(problem.column) + ":";
  }
  if (!out.empty()) out += " ";
  if (!problem.path.empty()) out += problem.path + ": ";
  out += problem.message;
  return out;
}

std::string to_string(const ConfigProblems& problems) {
  std::string out;
  for (const auto& problem : problems) out += to_string(problem) + "\n";
  return out;
}

}  // namespace ivy::config
