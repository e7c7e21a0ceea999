// ivyctl query / ivyctl export: read a recording, filtered, as text, JSON
// lines or CSV; query can --follow the live recording.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <iostream>
#include <thread>

#include "daemon/ivyctl/command_args.hpp"
#include "daemon/ivyctl/commands.hpp"
#include "daemon/ivyctl/entry_format.hpp"
#include "daemon/ivyctl/filter_options.hpp"
#include "storage/recording_reader.hpp"

namespace po = boost::program_options;

namespace ivy::ctl {
namespace {

constexpr std::size_t kPageRows = 5000;
constexpr auto kFollowPoll = std::chrono::milliseconds(200);

std::atomic<bool> g_interrupted{false};

void on_interrupt(int) { g_interrupted = true; }

struct Printer {
  std::ostream& out;
  OutputFormat format;
  TimeZone zone;
  bool with_site;  // a central store: CSV gets a site column
  void header() {
    if (format == OutputFormat::kCsv) out << csv_header(with_site) << '\n';
  }
  void print(const storage::Entry& e) {
    switch (format) {
      case OutputFormat::kText: out << format_text(e, zone) << '\n'; break;
      case OutputFormat::kJson: out << format_json(e) << '\n'; break;
      case OutputFormat::kCsv: out << format_csv(e, with_site) << '\n'; break;
    }
  }
};

// Runs the query page by page (so memory stays bounded) and prints every
// entry; with `follow`, keeps polling for new entries until Ctrl-C.
int stream_entries(const storage::RecordingReader& reader, storage::QueryFilter filter, Printer& printer, bool follow,
                   bool progress) {
  const std::size_t limit = filter.limit;
  std::size_t printed = 0;
  for (;;) {
    filter.limit = limit ? std::min(kPageRows, limit - printed) : kPageRows;
    auto page = reader.query(filter);
    if (!page) {
      std::cerr << "ivyctl: " << page.error().message << "\n";
      return kExitFailure;
    }
    for (const auto& e : page->entries) printer.print(e);
    printed += page->entries.size();
    filter.after = page->next;
    if (progress) std::cerr << "\rexported " << printed << " entries" << std::flush;
    if (limit && printed >= limit) break;
    if (page->entries.size() < filter.limit) {
      if (!follow) break;
      printer.out.flush();
      for (auto waited = std::chrono::milliseconds(0); waited < kFollowPoll && !g_interrupted;
           waited += std::chrono::milliseconds(20)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    if (g_interrupted) break;
  }
  if (progress) std::cerr << "\n";
  printer.out.flush();
  return kExitOk;
}

struct ReadCommand {
  const char* name;
  const char* caption;
  const char* default_format;
  bool can_follow;
};

int run_read_command(const ReadCommand& command, int argc, char** argv) {
  FilterOptions fo;
  std::string format_name;
  std::string output;
  bool follow = false;
  bool utc = false;
  po::options_description desc(command.caption);
  desc.add_options()("help,h", "show this help and exit");
  add_filter_options(desc, fo, true);
  desc.add_options()
      ("format", po::value(&format_name)->default_value(command.default_format), "text, json (JSON lines) or csv")
      ("utc", po::bool_switch(&utc), "text format: times in UTC instead of the local zone");
  if (command.can_follow) desc.add_options()("follow,f", po::bool_switch(&follow), "keep printing new entries as they are recorded (Ctrl-C stops)");
  else desc.add_options()("output,o", po::value(&output)->value_name("FILE"), "write to FILE instead of standard output");
  po::variables_map vm;
  int exit_code = kExitOk;
  const CommandSpec spec{command.name, &desc, nullptr, nullptr,
                         "Exit status: 0 success, 1 the recording cannot be read, 2 bad usage.\n"};
  if (!parse_command_args(spec, argc, argv, vm, exit_code)) return exit_code;

  const auto format = parse_output_format(format_name);
  if (!format) {
    std::cerr << "ivyctl " << command.name << ": --format: '" << format_name << "' is not text, json or csv\n";
    return kExitUsage;
  }
  auto filter = build_filter(fo, wall_now_ns());
  if (!filter) {
    std::cerr << "ivyctl " << command.name << ": " << filter.error().message << "\n";
    return kExitUsage;
  }
  bool usage = false;
  auto reader = open_reader(command.name, fo, usage);
  if (!reader) {
    std::cerr << reader.error().message << "\n";
    return usage ? kExitUsage : kExitFailure;
  }
  std::ofstream file;
  if (!output.empty()) {
    file.open(output, std::ios::binary | std::ios::trunc);
    if (!file) {
      std::cerr << "ivyctl " << command.name << ": cannot write '" << output << "'\n";
      return kExitFailure;
    }
  }
  std::ostream& out = output.empty() ? std::cout : file;
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  Printer printer{out, *format, utc ? TimeZone::kUtc : TimeZone::kLocal, storage::is_central_location(fo.db)};
  printer.header();
  const bool progress = !command.can_follow && !output.empty() && ::isatty(STDERR_FILENO);
  return stream_entries(**reader, *filter, printer, follow, progress);
}

}  // namespace

int run_query(int argc, char** argv) {
  return run_read_command({"query",
                           "usage: ivyctl query [OPTIONS]\n\n"
                           "Prints recorded entries (messages with their receivers, direct messages,\n"
                           "joins, leaves, binds, unbinds, DIE/ERROR, gaps) in time order, from a local\n"
                           "recording or from a central store (--db postgresql://..., each entry with its\n"
                           "site).\n\nOptions",
                           "text", true},
                          argc, argv);
}

int run_export(int argc, char** argv) {
  return run_read_command({"export",
                           "usage: ivyctl export [OPTIONS]\n\n"
                           "Exports recorded entries as JSON lines (default) or CSV, for jq or pandas;\n"
                           "with --output a progress count is shown on a terminal.\n\nOptions",
                           "json", false},
                          argc, argv);
}

}  // namespace ivy::ctl
