#include "config/config_problem.hpp"

#include <string_view>

namespace ivy::config {

namespace {

// Paths and messages quote the user's keys and values, which may hold any
// byte ("a\nb" is a valid JSON key): control bytes are written as escapes so
// that one problem stays one line.
void append_printable(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7f) {
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += {'\\', 'x', kHex[u >> 4], kHex[u & 15]};
    }
  }
}

}  // namespace

std::string to_string(const ConfigProblem& problem) {
  std::string out;
  if (!problem.source.empty()) {
    append_printable(out, problem.source);
    out += ":";
  }
  if (problem.line > 0) {
    out += std::to_string(problem.line) + ":" + std::to_string(problem.column) + ":";
  }
  if (!out.empty()) out += " ";
  if (!problem.path.empty()) {
    append_printable(out, problem.path);
    out += ": ";
  }
  append_printable(out, problem.message);
  return out;
}

std::string to_string(const ConfigProblems& problems) {
  std::string out;
  for (const auto& problem : problems) out += to_string(problem) + "\n";
  return out;
}

}  // namespace ivy::config
