#pragma once
// ivyctl's subcommands. Each takes the arguments after its name (argv[0] is
// the subcommand) and returns the process exit code:
//   0  success
//   1  the command ran and failed (bus or database unavailable, ...)
//   2  bad usage (unknown option, missing argument); the message says which
// Each prints its own --help.

namespace ivy::ctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

int run_probe(int argc, char** argv);
int run_query(int argc, char** argv);
int run_export(int argc, char** argv);
int run_info(int argc, char** argv);
int run_replay(int argc, char** argv);
int run_status(int argc, char** argv);
int run_who(int argc, char** argv);
int run_who_gets(int argc, char** argv);
int run_lint(int argc, char** argv);
int run_plot(int argc, char** argv);

}  // namespace ivy::ctl
