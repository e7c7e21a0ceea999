// ivyctl lint: a report on the subscriptions on the bus now (the running
// daemon) or in a recording, for people and for CI jobs (exit 0 clean, 1
// problems).
#include <iostream>
#include <sstream>

#include "core/subscription_lint.hpp"
#include "daemon/ivyctl/command_args.hpp"
#include "daemon/ivyctl/commands.hpp"
#include "daemon/ivyctl/daemon_socket.hpp"
#include "daemon/ivyctl/filter_options.hpp"
#include "daemon/ivyctl/lint_format.hpp"
#include "daemon/ivyctl/lint_input.hpp"
#include "storage/pg_connection.hpp"

namespace po = boost::program_options;

namespace ivy::ctl {
namespace {

constexpr const char* kEpilog =
    "Checks (names for --skip): invalid, hyperscan-fallback, hyperscan-prefilter,\n"
    "backtracking, dialect, catch-all, duplicate (3 or more agents), never-matched\n"
    "and most-matched (recordings only; most-matched is information, not a problem).\n"
    "\n"
    "Examples:\n"
    "  ivyctl lint                          the subscriptions on the daemon's buses now\n"
    "  ivyctl lint --db /var/lib/ivyd/ivyd.db --json\n"
    "  ivyctl lint --db postgresql://ivy@db.lab/ivy --site bench-3   a central store\n"
    "  ivyctl lint --skip dialect,hyperscan-prefilter    a bus without ivy-python agents\n"
    "\n"
    "Exit status: 0 no problems, 1 problems found (or the daemon or recording could\n"
    "not be read: the message says which), 2 bad usage.\n";

struct LintOptionsCli {
  bool live = false;
  FilterOptions location;  // --db and --site
  std::string socket = kDefaultSocket;
  bool json = false;
  std::string skip;
};

Result<LintCheckMask> parse_skip(const std::string& list) {
  LintCheckMask mask = 0;
  std::istringstream in(list);
  for (std::string name; std::getline(in, name, ',');) {
    if (name.empty()) continue;
    const auto check = parse_lint_check(name);
    if (!check) return fail("--skip: unknown check '" + name + "' (see ivyctl lint --help)");
    mask |= lint_bit(*check);
  }
  return mask;
}

Result<std::vector<LintSubscription>> gather(const LintOptionsCli& o, LintSource& source) {
  if (!o.location.db.empty()) {
    const std::string shown = storage::redact_url(o.location.db);
    source = {"recording", shown};
    bool usage = false;
    auto reader = open_reader("lint", o.location, usage);
    if (!reader) return Unexpected<Error>{reader.error()};
    auto subs = subscriptions_from_recording(**reader);
    if (!subs) return fail(shown + ": " + subs.error().message);
    return subs;
  }
  source = {"live", o.socket};
  auto reply = ask_daemon(o.socket, "subscriptions");
  if (!reply) return Unexpected<Error>{reply.error()};
  return subscriptions_from_daemon(*reply);
}

}  // namespace

int run_lint(int argc, char** argv) {
  LintOptionsCli o;
  po::options_description desc(
      "usage: ivyctl lint [--live | --db FILE|URI [--site NAME]...] [--socket PATH] [--json]\n"
      "                   [--skip CHECKS]\n\n"
      "Reports on the subscriptions on the bus now (asking the running daemon) or in a\n"
      "recording: patterns PCRE2 cannot compile, patterns Hyperscan cannot take or only\n"
      "approximates, shapes prone to catastrophic backtracking, patterns ivy-python and\n"
      "ivy-c senders read differently, agents subscribed to every message, identical\n"
      "subscriptions held by many agents, and in a recording the patterns that never\n"
      "matched and the most matched ones. A recording may be a central store\n"
      "(--db postgresql://...), its sites chosen with --site.\n\nOptions");
  desc.add_options()("help,h", "show this help and exit")(
      "live", po::bool_switch(&o.live),
      "the subscriptions on the running daemon's buses (the default)")(
      "db", po::value(&o.location.db)->value_name("FILE|URI"),
      "the subscriptions in a recording instead (a file, or a central store's postgresql:// URI)")(
      "site", po::value(&o.location.sites)->value_name("NAME"),
      "with a central store: only this site (repeatable; default all)")(
      "socket", po::value(&o.socket)->value_name("PATH")->default_value(kDefaultSocket),
      "the daemon's status socket (status.path in its config)")("json", po::bool_switch(&o.json),
                                                                "print one JSON document")(
      "skip", po::value(&o.skip)->value_name("CHECKS"), "leave out these checks (a comma list)");
  po::variables_map vm;
  int exit_code = kExitOk;
  const CommandSpec spec{"lint", &desc, nullptr, nullptr, kEpilog};
  if (!parse_command_args(spec, argc, argv, vm, exit_code)) return exit_code;
  if (o.live && vm.count("db")) {
    std::cerr << "ivyctl lint: --live and --db exclude each other (see ivyctl lint --help)\n";
    return kExitUsage;
  }
  if (!o.location.sites.empty() && !vm.count("db")) {
    std::cerr << "ivyctl lint: --site needs --db with a central store (see ivyctl lint --help)\n";
    return kExitUsage;
  }
  if (!o.location.sites.empty() && !storage::is_central_location(o.location.db)) {
    std::cerr << "ivyctl lint: --site: only a central store (--db postgresql://...) has sites\n";
    return kExitUsage;
  }
  if (vm.count("db") && o.location.db.empty()) o.location.db = default_db_path();
  LintOptions options;
  auto skip = parse_skip(o.skip);
  if (!skip) {
    std::cerr << "ivyctl lint: " << skip.error().message << "\n";
    return kExitUsage;
  }
  options.skip = *skip;
  LintSource source;
  auto subscriptions = gather(o, source);
  if (!subscriptions) {
    std::cerr << "ivyctl lint: " << subscriptions.error().message << "\n";
    return kExitFailure;
  }
  const LintReport report = lint_subscriptions(*subscriptions, options);
  std::cout << (o.json ? format_lint_json(report, source) : format_lint_text(report, source));
  return report.problems() == 0 ? kExitOk : kExitFailure;
}

}  // namespace ivy::ctl
