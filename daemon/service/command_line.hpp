#pragma once
// ivyd's command line (Boost.Program_options) and how it becomes a
// DaemonSetup: which config file, the overrides, and the special modes
// (--help, --version, --check-config) that exit at once.

#include <optional>
#include <string>

#include "daemon/service/daemon.hpp"
#include "daemon/log.hpp"

namespace ivy::daemon {

inline constexpr int kExitUsage = 64;   // EX_USAGE
inline constexpr int kExitConfig = 78;  // EX_CONFIG

struct CommandLine {
  std::string config_path;  // empty: the default path, if that file exists
  bool check_config = false;
  config::CliOverrides overrides;
};

// Parses argv. Returns nullopt when the process must exit now (after --help,
// --version, or a usage error), with the code in `exit_code`.
std::optional<CommandLine> parse_command_line(int argc, char** argv, int& exit_code);

// Loads the config the command line names and applies its overrides. On a
// bad config prints every problem to stderr and sets `exit_code` to 78.
// With --check-config prints the verdict and sets 0 or 78; nullopt then too.
std::optional<DaemonSetup> load_setup(const CommandLine& cl, Logger& log, int& exit_code);

}  // namespace ivy::daemon
