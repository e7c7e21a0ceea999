// ivyctl plot: a picture of a recording's traffic (PNG or SVG), drawn by
// gnuplot from what storage::Reader reads.
#include <ctime>
#include <iostream>

#include "daemon/ivyctl/command_args.hpp"
#include "daemon/ivyctl/commands.hpp"
#include "daemon/ivyctl/entry_format.hpp"
#include "daemon/ivyctl/filter_options.hpp"
#include "daemon/ivyctl/gnuplot.hpp"
#include "daemon/ivyctl/plot_script.hpp"
#include "daemon/ivyctl/traffic_series.hpp"
#include "storage/pg_connection.hpp"
#include "storage/recording_reader.hpp"

namespace po = boost::program_options;

namespace ivy::ctl {
namespace {

constexpr std::size_t kPageRows = 5000;
constexpr std::size_t kTopSeries = 8;
constexpr int kPixelsPerBin = 12;  // about 100 bins across a 1200-pixel picture

constexpr const char* kEpilog =
    "The picture has three panels over one time axis (local time): messages per\n"
    "second by sender and by message class (the text's first word), the 8 busiest\n"
    "of each and the rest as (others); and agents joining (up) and leaving (down).\n"
    "Gaps in the recording (records lost) are shaded. --since, --until, --agent and\n"
    "--match select the messages; joins, leaves and gaps follow --since, --until\n"
    "and --agent.\n"
    "\n"
    "Examples:\n"
    "  ivyctl plot -o traffic.png\n"
    "  ivyctl plot --since -1h --match '^Track' -o tracks.svg --size 1600x900\n"
    "\n"
    "Exit status: 0 success, 1 the recording cannot be read, nothing to plot, or\n"
    "gnuplot failed (the message says which), 2 bad usage.\n";

struct PlotCli {
  FilterOptions filter;
  std::string output;
  std::string size = "1200x800";
  std::string title;
  std::string gnuplot = "gnuplot";
};

bool parse_size(const std::string& text, PlotStyle& style) {
  int w = 0;
  int h = 0;
  char x = 0;
  char extra = 0;
  if (std::sscanf(text.c_str(), "%d%c%d%c", &w, &x, &h, &extra) != 3 || (x != 'x' && x != 'X'))
    return false;
  if (w < 200 || h < 200 || w > 10000 || h > 10000) return false;
  style.width = w;
  style.height = h;
  return true;
}

// Reads the recording page by page into `binner` (bounded memory): the
// messages the filter selects, then the joins, leaves and gaps of its time
// span (and agent).
Status read_traffic(const storage::RecordingReader& reader, storage::QueryFilter filter,
                    TrafficBinner& binner) {
  const std::size_t limit = filter.limit;
  storage::QueryFilter events = filter;
  events.text_regex.clear();
  events.limit = kPageRows;
  events.kinds = storage::kind_bit(storage::EntryKind::kJoin) |
                 storage::kind_bit(storage::EntryKind::kLeave) |
                 storage::kind_bit(storage::EntryKind::kGap);
  filter.kinds = storage::kind_bit(storage::EntryKind::kMsg);
  std::size_t read = 0;
  for (storage::QueryFilter* f : {&filter, &events}) {
    for (;;) {
      f->limit = f == &filter && limit ? std::min(kPageRows, limit - read) : kPageRows;
      if (f->limit == 0) break;
      auto page = reader.query(*f);
      if (!page) return Unexpected<Error>{page.error()};
      for (const auto& e : page->entries) {
        if (e.kind == storage::EntryKind::kMsg) binner.add_message(e.wall_ns, e.agent.name, e.text);
        if (e.kind == storage::EntryKind::kJoin || e.kind == storage::EntryKind::kLeave) {
          binner.add_mark(e.wall_ns, e.agent.name.empty() ? e.agent.app_id : e.agent.name,
                          e.kind == storage::EntryKind::kJoin);
        }
        if (e.kind == storage::EntryKind::kGap) binner.add_gap(e.wall_ns, e.end_ns, e.code);
      }
      if (f == &filter) read += page->entries.size();
      f->after = page->next;
      if (page->entries.size() < f->limit) break;
    }
  }
  return {};
}

std::int32_t utc_offset_at(std::int64_t wall_ns) {
  const std::time_t t = static_cast<std::time_t>(wall_ns / 1'000'000'000);
  std::tm tm{};
  localtime_r(&t, &tm);
  return static_cast<std::int32_t>(tm.tm_gmtoff);
}

std::string default_title(const std::string& db, const TrafficSeries& s) {
  return db + ": " + format_time(s.start_ns, TimeZone::kLocal).substr(0, 19) + " to " +
         format_time(s.end_ns(), TimeZone::kLocal).substr(0, 19) + ", " +
         std::to_string(s.messages) + " messages";
}

}  // namespace

int run_plot(int argc, char** argv) {
  PlotCli o;
  po::options_description desc(
      "usage: ivyctl plot [--db FILE|URI] [--site NAME]... [--since T] [--until T]\n"
      "                   [--agent NAME] [--match REGEXP] -o FILE.png|FILE.svg\n"
      "                   [--size WxH] [--title TEXT] [--gnuplot PATH]\n\n"
      "Draws a recording's traffic with gnuplot (package gnuplot-nox): message rate\n"
      "over time per sender and per message class, joins and leaves, gaps.\n\nOptions");
  desc.add_options()("help,h", "show this help and exit");
  add_filter_options(desc, o.filter, false);
  desc.add_options()("output,o", po::value(&o.output)->value_name("FILE")->required(),
                     "the picture to write: FILE.png or FILE.svg")(
      "size", po::value(&o.size)->value_name("WxH")->default_value("1200x800"),
      "picture size in pixels")("title", po::value(&o.title)->value_name("TEXT"),
                                "title (default: the recording, its span and count)")(
      "gnuplot", po::value(&o.gnuplot)->value_name("PATH")->default_value("gnuplot"),
      "the gnuplot program (looked up in PATH)");
  po::variables_map vm;
  int exit_code = kExitOk;
  const CommandSpec spec{"plot", &desc, nullptr, nullptr, kEpilog};
  if (!parse_command_args(spec, argc, argv, vm, exit_code)) return exit_code;
  PlotStyle style;
  const auto format = plot_format_of(o.output);
  if (!format) {
    std::cerr << "ivyctl plot: -o: '" << o.output << "' must end in .png or .svg\n";
    return kExitUsage;
  }
  if (!parse_size(o.size, style)) {
    std::cerr << "ivyctl plot: --size: '" << o.size
              << "' is not WIDTHxHEIGHT, 200 to 10000 pixels each\n";
    return kExitUsage;
  }
  auto filter = build_filter(o.filter, wall_now_ns());
  if (!filter) {
    std::cerr << "ivyctl plot: " << filter.error().message << "\n";
    return kExitUsage;
  }
  const std::string db = storage::redact_url(o.filter.db.empty() ? default_db_path() : o.filter.db);
  bool usage = false;
  auto reader = open_reader("plot", o.filter, usage);
  if (!reader) {
    std::cerr << reader.error().message << "\n";
    return usage ? kExitUsage : kExitFailure;
  }
  TrafficBinner binner;
  if (auto st = read_traffic(**reader, *filter, binner); !st) {
    std::cerr << "ivyctl plot: " << db << ": " << st.error().message << "\n";
    return kExitFailure;
  }
  if (binner.empty()) {
    std::cerr << "ivyctl plot: nothing to plot: no messages, joins or leaves in " << db
              << (vm.count("since") || vm.count("until") || vm.count("agent") || vm.count("match")
                      ? " with these filters"
                      : "")
              << "\n";
    return kExitFailure;
  }
  const TrafficSeries series =
      binner.finish(static_cast<std::size_t>(style.width / kPixelsPerBin), kTopSeries);
  style.format = *format;
  style.title = vm.count("title") ? o.title : default_title(db, series);
  style.utc_offset_s = utc_offset_at(series.start_ns);
  const auto script = [&](const std::string& picture) {
    style.output = picture;
    return gnuplot_script(series, style);
  };
  if (auto st = run_gnuplot(o.gnuplot, script, o.output); !st) {
    std::cerr << "ivyctl plot: " << st.error().message << "\n";
    return kExitFailure;
  }
  std::cout << "wrote " << o.output << ": " << series.messages << " messages, " << series.bins
            << " bins of " << human_interval(series.bin_ns) << "\n";
  return kExitOk;
}

}  // namespace ivy::ctl
