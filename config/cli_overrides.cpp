#include "config/cli_overrides.hpp"

#include "config/address_check.hpp"
#include "config/config_validate.hpp"
#include "config/enum_names.hpp"

namespace ivy::config {

namespace {

ConfigProblem flag_problem(std::string flag, std::string message) {
  return ConfigProblem{std::move(flag), "", 0, 0, std::move(message)};
}

void apply_buses(Config& config, const std::vector<std::string>& specs, ConfigProblems& problems) {
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (auto checked = check_bus_spec(specs[i]); !checked) {
      problems.push_back(flag_problem("--bus", checked.error().message));
      continue;
    }
    if (i >= config.buses.size()) {
      BusConfig bus;
      bus.id = "bus" + std::to_string(i + 1);
      config.buses.push_back(bus);
    }
    config.buses[i].spec = specs[i];
  }
}

void apply_log_level(Config& config, const std::string& level, ConfigProblems& problems) {
  if (auto parsed = enum_from_name<LogLevel>(kLogLevelNames, level)) {
    config.logging.level = *parsed;
    return;
  }
  std::string allowed;
  for (const auto& entry : kLogLevelNames)
    allowed += (allowed.empty() ? "" : ", ") + std::string(entry.name);
  problems.push_back(flag_problem("--log-level", "\"" + level + "\": must be one of " + allowed));
}

}  // namespace

ConfigResult apply_overrides(Config config, const CliOverrides& overrides) {
  ConfigProblems problems;
  apply_buses(config, overrides.buses, problems);
  if (overrides.name) {
    if (overrides.name->empty()) problems.push_back(flag_problem("--name", "must not be empty"));
    for (BusConfig& bus : config.buses) bus.name = *overrides.name;
  }
  if (overrides.log_level) apply_log_level(config, *overrides.log_level, problems);
  if (!problems.empty()) return fail_with(std::move(problems));
  for (ConfigProblem& problem : validate(config)) {
    problem.source = "command line";
    problems.push_back(std::move(problem));
  }
  if (!problems.empty()) return fail_with(std::move(problems));
  return config;
}

}  // namespace ivy::config
