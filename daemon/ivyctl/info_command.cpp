// ivyctl info: what a recording holds, like `ros2 bag info`.
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "daemon/ivyctl/command_args.hpp"
#include "daemon/ivyctl/commands.hpp"
#include "daemon/ivyctl/entry_format.hpp"
#include "daemon/ivyctl/filter_options.hpp"
#include "daemon/ivyctl/plot_script.hpp"
#include "daemon/ivyctl/sparkline.hpp"
#include "storage/recording_reader.hpp"

namespace po = boost::program_options;

namespace ivy::ctl {
namespace {

std::string human_bytes(std::uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, unit ? "%.1f %s" : "%.0f %s", value, units[unit]);
  return buf;
}

std::string human_duration(std::int64_t ns) {
  const std::int64_t s = ns / 1'000'000'000;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%lldh %02lldm %02llds", static_cast<long long>(s / 3600),
                static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  return buf;
}

constexpr std::size_t kLabelColumns = 16;  // "Rate:           "
constexpr std::size_t kPeakColumns = 28;   // "  peak 12345 msg/s in 250 ms"
constexpr std::size_t kPipeColumns = 60;   // --sparkline always, not on a terminal

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// As many buckets as fit on the terminal's line, within reason.
std::size_t sparkline_width() {
  winsize ws{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0) return kPipeColumns;
  const std::size_t reserved = kLabelColumns + kPeakColumns;
  return std::clamp<std::size_t>(ws.ws_col > reserved ? ws.ws_col - reserved : 0, 10, 120);
}

// "Rate:           ▁▂▃█▃▂  peak 71 msg/s in 1 s"; empty when there is too
// little to draw or it cannot be read.
std::string rate_line(const storage::RecordingReader& reader, const storage::Summary& s) {
  constexpr std::int64_t kMinSpanNs = 1'000'000;
  if (s.messages == 0 || s.last_ns - s.first_ns < kMinSpanNs) return {};
  const std::int64_t span = s.last_ns + 1 - s.first_ns;
  const std::int64_t bucket_ns = nice_bucket_ns(s.first_ns, span, sparkline_width());
  const std::int64_t start = s.first_ns - ((s.first_ns % bucket_ns) + bucket_ns) % bucket_ns;
  const auto buckets = static_cast<std::size_t>((s.first_ns + span - start + bucket_ns - 1) / bucket_ns);
  auto counts = reader.message_counts(start, start + static_cast<std::int64_t>(buckets) * bucket_ns, buckets);
  if (!counts) return {};
  const std::int64_t peak = *std::max_element(counts->begin(), counts->end());
  const auto peak_rate = static_cast<long long>(static_cast<double>(peak) * 1e9 / static_cast<double>(bucket_ns));
  const Charset charset = charset_from_locale(env("LC_ALL"), env("LC_CTYPE"), env("LANG"));
  return "Rate:           " + sparkline(*counts, charset) + "  peak " + std::to_string(peak_rate) + " msg/s in " +
         human_interval(bucket_ns);
}

// A central store: its size, and per site its files and how far it is shipped.
void print_sites(const storage::Summary& s) {
  std::cout << "Store:          " << human_bytes(s.bytes) << ", " << s.sites.size()
            << (s.sites.size() == 1 ? " site\n" : " sites\n");
  for (const auto& site : s.sites) {
    std::cout << "  " << site.site << ": " << site.files << (site.files == 1 ? " file" : " files");
    if (site.last_row_ns) std::cout << ", rows up to " << format_time(site.last_row_ns, TimeZone::kLocal);
    if (site.shipped_at_ns) std::cout << ", last shipped " << format_time(site.shipped_at_ns, TimeZone::kLocal);
    std::cout << "\n";
  }
  if (s.unshipped_gaps) {
    std::cout << "Not shipped:    " << s.unshipped_gaps << " local files deleted before they were shipped ("
              << s.unshipped_rows << " rows lost)\n";
  }
}

void print_summary(const storage::Summary& s, bool central, const std::string& rate) {
  if (central) {
    print_sites(s);
  } else {
    std::cout << "Files:          " << s.files.size() << " (" << human_bytes(s.bytes) << ")\n";
    for (const auto& f : s.files) std::cout << "                " << f << "\n";
  }
  if (s.messages > 0) {
    std::cout << "Start:          " << format_time(s.first_ns, TimeZone::kLocal) << "\n"
              << "End:            " << format_time(s.last_ns, TimeZone::kLocal) << "\n"
              << "Duration:       " << human_duration(s.last_ns - s.first_ns) << "\n";
  }
  std::cout << "Messages:       " << s.messages << " (" << static_cast<long long>(s.messages_per_second)
            << " msg/s), " << s.receivers << " deliveries\n"
            << (rate.empty() ? std::string() : rate + "\n")
            << "Events:         " << s.events << "\n"
            << "Gaps:           " << s.gaps << " (" << s.dropped << " records lost)\n"
            << "Delivery drops: " << s.delivery_drops << " (" << s.frames_dropped
            << " frames not delivered to peers whose queue was full)\n";
  for (const auto& run : s.runs) {
    std::cout << "Recording:      " << (central ? run.file + " " : std::string()) << format_time(run.started_ns, TimeZone::kLocal) << " -> "
              << (run.stopped_ns ? format_time(run.stopped_ns, TimeZone::kLocal) : std::string("(not stopped cleanly)"))
              << "  host " << run.host << ", bus " << run.bus << ", ivyd " << run.ivyd_version
              << (run.config_digest.empty() ? std::string() : ", config " + run.config_digest) << "\n";
  }
  if (!s.per_agent.empty()) std::cout << "Senders:\n";
  for (const auto& a : s.per_agent) {
    std::cout << "  " << a.messages << "\t" << a.name << " (" << a.host << ", " << a.app_id << ")\n";
  }
  if (!s.busiest.empty()) std::cout << "Busiest messages:\n";
  for (const auto& t : s.busiest) std::cout << "  " << t.count << "\t" << t.text << "\n";
}

}  // namespace

int run_info(int argc, char** argv) {
  FilterOptions fo;
  std::string when = "auto";
  po::options_description desc(
      "usage: ivyctl info [--db FILE|URI] [--site NAME]... [--sparkline auto|always|never]\n\n"
      "Shows what a recording holds: files and size, time span, message counts and\n"
      "rates per sender, the most repeated messages, gaps and drops; on a terminal,\n"
      "also the message rate over the recording as a one-line sparkline. On a\n"
      "central store (--db postgresql://...): its sites, how far each is shipped,\n"
      "and the rows local retention deleted before they were shipped.\n\nOptions");
  desc.add_options()("help,h", "show this help and exit")(
      "sparkline", po::value(&when)->value_name("WHEN")->default_value("auto"),
      "the rate line: auto (only when standard output is a terminal, so scripts "
      "reading the output see no change), always, never; Unicode blocks when the "
      "locale is UTF-8, else ASCII");
  add_location_options(desc, fo);
  po::variables_map vm;
  int exit_code = kExitOk;
  const CommandSpec spec{"info", &desc, nullptr, nullptr,
                         "Exit status: 0 success, 1 the recording cannot be read, 2 bad usage.\n"};
  if (!parse_command_args(spec, argc, argv, vm, exit_code)) return exit_code;
  if (when != "auto" && when != "always" && when != "never") {
    std::cerr << "ivyctl info: --sparkline: '" << when << "' is not auto, always or never\n";
    return kExitUsage;
  }
  bool usage = false;
  auto reader = open_reader("info", fo, usage);
  if (!reader) {
    std::cerr << reader.error().message << "\n";
    return usage ? kExitUsage : kExitFailure;
  }
  auto summary = (*reader)->summary();
  if (!summary) {
    std::cerr << "ivyctl info: " << summary.error().message << "\n";
    return kExitFailure;
  }
  const bool sparkline = when == "always" || (when == "auto" && ::isatty(STDOUT_FILENO));
  print_summary(*summary, storage::is_central_location(fo.db),
                sparkline ? rate_line(**reader, *summary) : std::string());
  return kExitOk;
}

}  // namespace ivy::ctl
