#include "daemon/service/command_line.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include <boost/program_options.hpp>

#include "config/config_loader.hpp"
#include "config/json_reader.hpp"
#include "core/bus_spec.hpp"
#include "daemon/bridges/link/tls_file_check.hpp"

namespace po = boost::program_options;

namespace ivy::daemon {
namespace {

constexpr const char* kUsage =
    "usage: ivyd [OPTIONS]\n"
    "\n"
    "ivyd joins one or more Ivy software buses as an ordinary agent, records\n"
    "all their traffic to SQLite and bridges buses, as its JSON configuration\n"
    "says (see ivyd(8) and docs/config.md). Without a configuration file it\n"
    "records the default bus (127.255.255.255:2010, or $IVYBUS) to ./ivyd.db.\n"
    "\n"
    "Signals: SIGTERM/SIGINT stop cleanly (BYE to every peer, database closed);\n"
    "SIGHUP reloads the configuration file.\n"
    "\n"
    "Exit status: 0 clean stop, 1 start-up failure, 64 bad usage, 78 bad\n"
    "configuration.\n"
    "\n"
    "Options";

bool file_exists(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0;
}

// `problems` (JSON paths only) stamped with the file and their line there.
config::ConfigProblems located(const std::string& path, const config::ConfigProblems& problems) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  const std::string json = text.str();
  const auto positions = config::JsonPositions::index(json);
  config::ProblemSink sink(path, path.empty() ? nullptr : &positions);
  for (const auto& p : problems) sink.at_value(p.path, p.message);
  return sink.take();
}

// --check-config, after the config itself is valid: the files it names
// (TLS certificates and keys), opened as ivyd would. 0 or 78.
int check_files(const std::string& path, const config::Config& config) {
  const TlsFileReport report = check_tls_files(config);
  std::cerr << config::to_string(located(path, report.warnings));
  const std::string name = path.empty() ? std::string("built-in defaults") : path;
  if (!report.errors.empty()) {
    std::cerr << config::to_string(located(path, report.errors));
    std::cerr << "ivyd: " << name << " has " << report.errors.size()
              << (report.errors.size() == 1 ? " problem" : " problems") << "\n";
    return kExitConfig;
  }
  const auto warnings = report.warnings.size();
  std::cout << name << ": configuration OK"
            << (warnings ? " (" + std::to_string(warnings) + (warnings == 1 ? " warning)" : " warnings)") : "")
            << "\n";
  return 0;
}

}  // namespace

std::optional<CommandLine> parse_command_line(int argc, char** argv, int& exit_code) {
  CommandLine cl;
  std::vector<std::string> buses;
  std::string name;
  std::string level;
  po::options_description desc(kUsage);
  desc.add_options()
      ("help,h", "show this help and exit")
      ("version,V", "show the version and exit")
      ("config,c", po::value(&cl.config_path)->value_name("FILE"),
       "configuration file (default /etc/ivyd/ivyd.json; built-in defaults when that file does not exist)")
      ("check-config", po::bool_switch(&cl.check_config),
       "validate the configuration and open the TLS files it names, print every problem, exit")
      ("bus,b", po::value(&buses)->value_name("SPEC"),
       "bus spec [net[,net...]][:port]; the n-th --bus replaces the n-th configured bus (repeatable)")
      ("name,n", po::value(&name)->value_name("NAME"), "agent name on every bus")
      ("log-level", po::value(&level)->value_name("LEVEL"), "debug, info, notice, warning or error");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "ivyd: " << e.what() << "\n(see ivyd --help)\n";
    exit_code = kExitUsage;
    return std::nullopt;
  }
  if (vm.count("help")) {
    std::cout << desc;
    exit_code = 0;
    return std::nullopt;
  }
  if (vm.count("version")) {
    std::cout << "ivyd " << IVYD_VERSION << "\n";
    exit_code = 0;
    return std::nullopt;
  }
  cl.overrides.buses = std::move(buses);
  if (vm.count("name")) cl.overrides.name = name;
  if (vm.count("log-level")) cl.overrides.log_level = level;
  return cl;
}

std::optional<DaemonSetup> load_setup(const CommandLine& cl, Logger& log, int& exit_code) {
  DaemonSetup setup;
  setup.overrides = cl.overrides;
  std::string path = cl.config_path;
  if (path.empty() && file_exists(std::string(config::kDefaultConfigPath))) path = config::kDefaultConfigPath;
  // Without a file the bus comes from the environment, as for any Ivy agent.
  if (path.empty() && setup.overrides.buses.empty()) {
    const std::string bus = resolve_bus_text("", std::getenv("IVYBUS"), std::getenv("IVY_BUS"));
    if (bus != kDefaultBus) setup.overrides.buses.push_back(bus);
  }
  config::ConfigResult loaded = path.empty() ? config::ConfigResult(config::default_config())
                                             : config::load_config_file(path);
  if (loaded && !setup.overrides.empty()) loaded = config::apply_overrides(std::move(*loaded), setup.overrides);
  if (!loaded) {
    std::cerr << config::to_string(loaded.error());
    std::cerr << "ivyd: " << (path.empty() ? std::string("the command line") : path) << " has "
              << loaded.error().size() << (loaded.error().size() == 1 ? " problem" : " problems") << "\n";
    exit_code = kExitConfig;
    return std::nullopt;
  }
  if (cl.check_config) {
    exit_code = check_files(path, *loaded);
    return std::nullopt;
  }
  if (path.empty()) log.notice("no configuration file: running on built-in defaults");
  else log.info("configuration " + path);
  setup.config = std::move(*loaded);
  setup.config_path = path;
  return setup;
}

}  // namespace ivy::daemon
