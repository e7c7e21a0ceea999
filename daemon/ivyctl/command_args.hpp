#pragma once
// Command-line parsing shared by every ivyctl subcommand: --help prints the
// options and the exit codes and exits 0; a bad option prints one line
// naming it and exits 2.

#include <boost/program_options.hpp>

namespace ivy::ctl {

struct CommandSpec {
  const char* name;                                                  // "query"
  const boost::program_options::options_description* visible;        // shown by --help (with its caption)
  const boost::program_options::options_description* hidden = nullptr;
  const boost::program_options::positional_options_description* positional = nullptr;
  const char* epilog = nullptr;  // printed after the options by --help
};

// True to go on; false with `exit_code` set when the command must exit now.
// `visible` must contain a "help,h" switch.
bool parse_command_args(const CommandSpec& spec, int argc, char** argv,
                        boost::program_options::variables_map& vm, int& exit_code);

}  // namespace ivy::ctl
