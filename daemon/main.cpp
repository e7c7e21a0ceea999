// ivyd: the Ivy bus recorder and bridge daemon. Parse, load, run.
#include "daemon/service/command_line.hpp"
#include "daemon/service/daemon.hpp"

int main(int argc, char** argv) {
  using namespace ivy::daemon;
  int exit_code = 0;
  auto command_line = parse_command_line(argc, argv, exit_code);
  if (!command_line) return exit_code;
  Logger log;
  auto setup = load_setup(*command_line, log, exit_code);
  if (!setup) return exit_code;
  Daemon daemon(std::move(*setup), log);
  return daemon.run();
}
