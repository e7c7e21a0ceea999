#include "daemon/ivyctl/command_args.hpp"

#include <iostream>

#include "daemon/ivyctl/commands.hpp"

namespace po = boost::program_options;

namespace ivy::ctl {

bool parse_command_args(const CommandSpec& spec, int argc, char** argv, po::variables_map& vm, int& exit_code) {
  po::options_description all;
  all.add(*spec.visible);
  if (spec.hidden) all.add(*spec.hidden);
  try {
    auto parser = po::command_line_parser(argc, argv).options(all);
    if (spec.positional) parser.positional(*spec.positional);
    po::store(parser.run(), vm);
    if (vm.count("help")) {
      std::cout << *spec.visible;
      if (spec.epilog) std::cout << "\n" << spec.epilog;
      exit_code = kExitOk;
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "ivyctl " << spec.name << ": " << e.what() << " (see ivyctl " << spec.name << " --help)\n";
    exit_code = kExitUsage;
    return false;
  }
  return true;
}

}  // namespace ivy::ctl
