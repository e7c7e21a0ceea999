// ivyctl: the user's tool for an Ivy bus and ivyd's recordings.
#include <cstring>
#include <iostream>
#include <string_view>

#include "daemon/ivyctl/commands.hpp"

namespace {

constexpr const char* kUsage =
    "usage: ivyctl COMMAND [OPTIONS]\n"
    "\n"
    "Commands:\n"
    "  probe    join a bus, print what arrives, send what you type (like ivyprobe)\n"
    "  status   show the running daemon: buses, peers, rates, recorder, bridges\n"
    "  who      list the agents on the daemon's buses\n"
    "  who-gets show which agents would receive a text now, or the closest patterns\n"
    "  query    print recorded traffic (text, JSON lines, CSV; --follow)\n"
    "  info     summarise a recording: span, counts, rates, senders, gaps\n"
    "  export   write recorded traffic as JSON lines or CSV\n"
    "  replay   re-emit recorded messages onto a bus with their original timing\n"
    "  lint     check the subscriptions on the bus or in a recording (for CI too)\n"
    "  plot     draw a recording's traffic to a PNG or SVG file (with gnuplot)\n"
    "\n"
    "Run 'ivyctl COMMAND --help' for the options of a command.\n"
    "Exit status: 0 success, 1 failure, 2 bad usage.\n";

struct Command {
  std::string_view name;
  int (*run)(int, char**);
};

constexpr Command kCommands[] = {
    {"probe", ivy::ctl::run_probe},   {"status", ivy::ctl::run_status},   {"who", ivy::ctl::run_who},
    {"who-gets", ivy::ctl::run_who_gets}, {"query", ivy::ctl::run_query}, {"info", ivy::ctl::run_info},
    {"export", ivy::ctl::run_export}, {"replay", ivy::ctl::run_replay},   {"lint", ivy::ctl::run_lint},
    {"plot", ivy::ctl::run_plot},
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return ivy::ctl::kExitUsage;
  }
  const std::string_view name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    std::cout << kUsage;
    return ivy::ctl::kExitOk;
  }
  if (name == "--version") {
    std::cout << "ivyctl " << IVYD_VERSION << "\n";
    return ivy::ctl::kExitOk;
  }
  for (const auto& command : kCommands) {
    if (command.name == name) return command.run(argc - 1, argv + 1);
  }
  std::cerr << "ivyctl: unknown command '" << name << "'\n" << kUsage;
  return ivy::ctl::kExitUsage;
}
