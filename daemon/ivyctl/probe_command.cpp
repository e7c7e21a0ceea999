// ivyctl probe: join a bus as an agent, print what arrives in C ivyprobe's
// formats, send what is typed.
//
// As a sender it must keep up with a pipe: standard input comes in batches
// (StdinBatches), every line is matched by Hyperscan (CtlMatchers), and the
// output is written when the loop goes idle (ProbeOutput).
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <iostream>

#include <boost/program_options.hpp>

#include "core/bus_spec.hpp"
#include "core/regex.hpp"
#include "daemon/agent/agent.hpp"
#include "daemon/ivyctl/command_args.hpp"
#include "daemon/ivyctl/commands.hpp"
#include "daemon/ivyctl/ctl_matchers.hpp"
#include "daemon/ivyctl/probe_format.hpp"
#include "daemon/ivyctl/probe_output.hpp"
#include "daemon/ivyctl/stdin_batches.hpp"

namespace po = boost::program_options;

namespace ivy::ctl {
namespace {

using daemon::Agent;

struct ProbeOptions {
  std::string bus;
  std::string name = "IVYPROBE";
  bool show_bind = false;
  bool timestamps = false;
  std::string regexp_file;
  std::vector<std::string> regexps;
  std::string log_level = "warning";
};

class Probe final : public daemon::AgentListener {
 public:
  Probe(daemon::asio::io_context& io, Agent& agent, ProbeOutput& out, const ProbeOptions& options)
      : io_(io), agent_(agent), out_(out), show_bind_(options.show_bind), timestamps_(options.timestamps) {}

  void print(const std::string& line) {
    if (timestamps_) out_.text(probe_timestamp(std::chrono::system_clock::now()));
    out_.line(line);
  }

  void on_connected(PeerKey, const PeerIdentity& who) override { print(probe_connected(who.name, who.ip)); }
  void on_disconnected(PeerKey, const PeerIdentity& who, daemon::CloseReason) override {
    print(probe_disconnected(who.name, who.ip));
  }
  void on_subscription_added(PeerKey, const PeerIdentity& who, int id, const std::string& re) override {
    if (show_bind_) print(probe_bind(who.name, who.ip, id, re));
  }
  void on_subscription_removed(PeerKey, const PeerIdentity& who, int id, const std::string& re) override {
    if (show_bind_) print(probe_unbind(who.name, who.ip, id, re));
  }
  void on_message(PeerKey, const PeerIdentity& who, int, const std::vector<std::string>& args) override {
    print(probe_message(who.name, args));
  }
  void on_direct(PeerKey, const PeerIdentity& who, int id, const std::string& text) override {
    print(probe_direct(who.name, id, text));
  }
  void on_die(PeerKey, const PeerIdentity& who, int, daemon::DiePolicy) override {
    print("Received the order to die from " + who.name);
    quit();
  }
  void on_peer_error(PeerKey, const PeerIdentity&, int id, const std::string& text) override {
    print("Received error " + std::to_string(id) + " " + text);
  }

  void on_input(const std::string& line);
  void quit() {
    if (quitting_) return;
    quitting_ = true;
    agent_.stop([this] { io_.stop(); });
  }

 private:
  std::optional<PeerKey> first_peer_named(const std::string& name) {
    auto keys = agent_.find_peers(name);
    if (keys.empty()) {
      print("No Application " + name + "!!!");
      return std::nullopt;
    }
    return keys.front();
  }
  void bind(const std::string& re) {
    // Checked here too for ivyprobe's "Error compiling" line (§9.2), which
    // scripts look for; subscribe()'s own message is worded differently.
    if (auto compiled = Regex::compile(re); !compiled) {
      print(probe_compile_error(re, compiled.error().message));
      return;
    }
    auto id = agent_.subscribe(re);
    if (!id) print(id.error().message + ", not bound");
    else print("Binding to '" + re + "'");
  }
  void who() {
    std::string line = "Apps:";
    bool first = true;
    for (const auto& p : agent_.peers()) {
      line += (first ? " " : ",") + p.identity.name;
      first = false;
    }
    print(line);
  }
  void ping(const std::string& name);

  daemon::asio::io_context& io_;
  Agent& agent_;
  ProbeOutput& out_;
  bool show_bind_;
  bool timestamps_;
  bool quitting_ = false;
  friend int ivy::ctl::run_probe(int, char**);
};

void Probe::ping(const std::string& name) {
  auto key = first_peer_named(name);
  if (!key) return;
  auto st = agent_.ping(*key, [this, name](std::optional<std::chrono::microseconds> rtt) {
    if (rtt) print(probe_pong(name, *rtt));
    else print(probe_ping_timeout(name, std::chrono::milliseconds(5000)));
  });
  if (!st) print(st.error().message);
}

void Probe::on_input(const std::string& line) {
  if (quitting_) return;  // the rest of a batch after .quit or DIE
  const ProbeCommand cmd = parse_probe_line(line);
  using K = ProbeCommand::Kind;
  switch (cmd.kind) {
    case K::kSend: {
      auto sent = agent_.send(cmd.text);
      print(sent ? probe_sent(*sent) : "not sent: " + sent.error().message);
      return;
    }
    case K::kBind: return bind(cmd.text);
    case K::kUnbind:
      agent_.unsubscribe(cmd.id);
      return;
    case K::kShowBind:
      show_bind_ = !show_bind_;
      print(std::string("showing bind events: ") + (show_bind_ ? "on" : "off"));
      return;
    case K::kWho: return who();
    case K::kWhere: {
      if (auto key = first_peer_named(cmd.text)) {
        print("Application " + cmd.text + " on " + agent_.peer(*key)->identity.display());
      }
      return;
    }
    case K::kDirect: {
      if (auto key = first_peer_named(cmd.text)) {
        if (auto st = agent_.send_direct(*key, cmd.id, cmd.payload); !st) print(st.error().message);
      }
      return;
    }
    case K::kDie: {
      if (auto key = first_peer_named(cmd.text)) (void)agent_.send_die(*key);
      return;
    }
    case K::kPing: return ping(cmd.text);
    case K::kHelp:
      out_.text(kProbeCommandsHelp);
      return;
    case K::kQuit: return quit();
    case K::kInvalid: print(cmd.text); return;
  }
}

const char* const kProbeUsage =
    "usage: ivyctl probe [-b BUS] [-n NAME] [-s] [-t] [-f FILE] [REGEXP...]\n"
    "\n"
    "Joins an Ivy bus as the agent NAME, binds each REGEXP and prints what the\n"
    "other agents send, in C ivyprobe's formats. Lines typed on standard input\n"
    "are sent as messages; lines starting with '.' are commands (.help lists\n"
    "them). Leaves the bus cleanly (BYE) on end of input, .quit or Ctrl-C.\n"
    "\n"
    "Options";

bool parse_options(int argc, char** argv, ProbeOptions& o, int& exit_code) {
  po::options_description desc(kProbeUsage);
  desc.add_options()
      ("help,h", "show this help and exit")
      ("bus,b", po::value(&o.bus), "bus spec [net[,net...]][:port]; default: $IVYBUS, $IVY_BUS, 127.255.255.255:2010")
      ("name,n", po::value(&o.name)->default_value("IVYPROBE"), "our agent name")
      ("show-bind,s", po::bool_switch(&o.show_bind), "show the peers' subscriptions as they change")
      ("timestamps,t", po::bool_switch(&o.timestamps), "prefix every line with the time [HH:MM:SS.mmm]")
      ("file,f", po::value(&o.regexp_file), "bind every line of FILE as a regexp")
      ("log-level", po::value(&o.log_level)->default_value("warning"), "debug, info, notice, warning or error");
  po::options_description hidden;
  hidden.add_options()("regexp", po::value(&o.regexps));
  po::positional_options_description positional;
  positional.add("regexp", -1);
  po::variables_map vm;
  // --help also lists the stdin commands: users look for them there first.
  static const std::string epilog = std::string(kProbeCommandsHelp) +
                                    "\nExit status: 0 on a clean exit, 1 if the bus cannot be joined, 2 on bad usage.\n";
  const CommandSpec spec{"probe", &desc, &hidden, &positional, epilog.c_str()};
  return parse_command_args(spec, argc, argv, vm, exit_code);
}

bool read_regexp_file(const std::string& path, std::vector<std::string>& out) {
  std::ifstream in(path);
  if (!in) return false;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) out.push_back(line);
  }
  return true;
}

}  // namespace

int run_probe(int argc, char** argv) {
  ProbeOptions o;
  int exit_code = kExitOk;
  if (!parse_options(argc, argv, o, exit_code)) return exit_code;
  if (!o.regexp_file.empty() && !read_regexp_file(o.regexp_file, o.regexps)) {
    std::cerr << "ivyctl probe: cannot read regexp file '" << o.regexp_file << "'\n";
    return kExitUsage;
  }
  const auto level = daemon::parse_log_level(o.log_level);
  if (!level) {
    std::cerr << "ivyctl probe: unknown log level '" << o.log_level << "'\n";
    return kExitUsage;
  }
  const std::string bus_text = resolve_bus_text(o.bus, std::getenv("IVYBUS"), std::getenv("IVY_BUS"));
  std::vector<std::string> errors;
  auto spec = parse_bus_spec(bus_text, &errors);
  if (!spec) {
    std::cerr << "ivyctl probe: bad bus '" << bus_text << "': " << (errors.empty() ? "" : errors.front()) << "\n";
    return kExitUsage;
  }

  daemon::Logger log(*level, daemon::Logger::Style::kPlain);
  const CtlMatchers matchers(log);
  daemon::asio::io_context io;
  daemon::AgentOptions agent_options;
  agent_options.name = o.name;
  agent_options.bus = *spec;
  agent_options.ready_message = o.name + " Ready";
  agent_options.die_policy = daemon::DiePolicy::kExit;  // as ivyprobe
  Agent agent(io, agent_options, matchers.make(), log);
  ProbeOutput out(STDOUT_FILENO);
  Probe probe(io, agent, out, o);
  // The listener is set after construction so that Probe can refer to agent.
  agent.set_listener(&probe);
  for (const auto& re : o.regexps) probe.bind(re);
  if (auto st = agent.start(); !st) {
    out.flush();
    std::cerr << "ivyctl probe: " << st.error().message << "\n";
    return kExitFailure;
  }
  probe.print("Broadcasting on " + spec->to_string());

  daemon::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const daemon::error_code& ec, int) {
    if (!ec) probe.quit();
  });
  // stdin may be a terminal, a pipe or a file: a plain blocking reader
  // thread works for all three and hands the lines to the loop in batches.
  StdinBatches input(
      io, STDIN_FILENO,
      [&probe](const std::vector<std::string>& lines) {
        for (const auto& line : lines) probe.on_input(line);
      },
      [&probe] { probe.quit(); });
  input.start();
  // Output is written whenever the loop has run everything that was ready.
  while (io.run_one() > 0) {
    io.poll();
    out.flush();
  }
  return kExitOk;
}

}  // namespace ivy::ctl
