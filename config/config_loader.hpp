#pragma once
// Loading a configuration: JSON text -> Config, or every problem in it.
//
//   auto config = load_config_file("/etc/ivyd/ivyd.json");
//   if (!config) {
//     std::cerr << to_string(config.error());   // one "file:line:col: path: message" per line
//     return kExitConfigError;                   // 78
//   }
//
// The text is parsed (a syntax error is one problem with its line/column),
// then read section by section (config_reader.hpp), then validated as a whole
// (config_validate.hpp). All problems are returned together, each located in
// the text, in text order. A value already reported while reading is not reported again by
// the whole-config checks. Keys repeated in one object are problems.
//
// Missing keys take the defaults in config.hpp; a missing `buses` key means
// the one default bus. An empty document `{}` is therefore default_config().
//
// Pure apart from load_config_file's one read of the file. Thread-safe (no
// shared state).

#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/config_problem.hpp"
#include "core/result.hpp"

namespace ivy::config {

// The compiled-in location of the config file (--config overrides it).
inline constexpr std::string_view kDefaultConfigPath = "/etc/ivyd/ivyd.json";

using ConfigResult = Result<Config, ConfigProblems>;

// `source_name` prefixes every problem (usually the file name).
ConfigResult load_config_text(std::string_view json, std::string_view source_name);

// Reads the file and loads it. A file that cannot be read is one problem
// whose message holds the OS error ("cannot read: No such file or directory").
ConfigResult load_config_file(const std::string& path);

}  // namespace ivy::config
