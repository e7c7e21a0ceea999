#pragma once
// ConfigProblem: one thing wrong with a configuration, located by JSON path
// and, when known, by line and column in the source text.
//
//   ivyd.json:12:15: buses[1].spec: "127.0.0:99999": port out of range 1-65535
//
// `path` uses the JSON path syntax of docs/config.md: `recorder.path`,
// `buses[1].spec`, `""` for the document itself. Problems that come from the
// command line use the flag as the source and no line ("--bus: ...").

#include <string>
#include <vector>

namespace ivy::config {

// sysexits.h EX_CONFIG: ivyd exits with it when the configuration is bad, so
// systemd (and the operator) can tell "misconfigured" from "crashed".
inline constexpr int kExitConfigError = 78;

struct ConfigProblem {
  std::string source;   // file name or "--bus"; may be empty
  std::string path;     // JSON path; empty for the whole document
  int line = 0;         // 1-based; 0 = unknown
  int column = 0;       // 1-based, in bytes; 0 = unknown
  std::string message;  // e.g. "\"127.0.0:99999\": port out of range 1-65535"

  bool operator==(const ConfigProblem&) const = default;
};

using ConfigProblems = std::vector<ConfigProblem>;

// "source:line:col: path: message", leaving out the parts that are unknown.
// Always one line: control bytes in the source, path or message (a JSON key
// or value may hold any) are written as \n, \r, \t or \xNN.
std::string to_string(const ConfigProblem& problem);

// One problem per line, each ending in '\n'.
std::string to_string(const ConfigProblems& problems);

}  // namespace ivy::config
