#include "daemon/ivyctl/plot_script.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace ivy::ctl {
namespace {

constexpr std::size_t kLabelBytes = 32;  // what fits in the key beside a 1200-pixel picture
constexpr std::size_t kMarkLines = 40;  // joins and leaves drawn as named lines up to this many
constexpr const char* kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                   "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#aec7e8"};
constexpr const char* kOthersColor = "#999999";
constexpr const char* kJoinColor = "#2a9d2a";
constexpr const char* kLeaveColor = "#d62728";
constexpr const char* kGapColor = "#b0b0b0";
constexpr std::int64_t kSecond = 1'000'000'000;

// The length of the valid UTF-8 sequence at `s`, 0 if there is none.
std::size_t utf8_length(std::string_view s) {
  const auto c = static_cast<unsigned char>(s[0]);
  const std::size_t n = c < 0x80           ? 1
                        : (c >> 5) == 0x6  ? 2
                        : (c >> 4) == 0xE  ? 3
                        : (c >> 3) == 0x1E ? 4
                                           : 0;
  if (n == 0 || n > s.size()) return 0;
  for (std::size_t i = 1; i < n; ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) return 0;
  }
  return n;
}

std::string clean_utf8(std::string_view text, std::size_t max_bytes) {
  std::string out;
  while (!text.empty()) {
    std::size_t n = utf8_length(text);
    std::string_view piece = n ? text.substr(0, n) : std::string_view("?");
    if (n == 1 && (std::iscntrl(static_cast<unsigned char>(text[0])) != 0)) piece = "?";
    if (out.size() + piece.size() > max_bytes) {
      out += "...";
      break;
    }
    out += piece;
    text.remove_prefix(n ? n : 1);
  }
  return out;
}

std::string number(double value, const char* format = "%.6g") {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

// Time as gnuplot's time axis takes it: seconds, shifted to local time.
std::string x_of(std::int64_t ns, std::int32_t offset_s) {
  return number(static_cast<double>(ns) / 1e9 + offset_s, "%.6f");
}

const char* time_format(std::int64_t span_ns) {
  if (span_ns < 10 * kSecond) return "%H:%M:%.2S";
  if (span_ns <= 2 * 3600 * kSecond) return "%H:%M:%S";
  if (span_ns <= 2 * 86400 * kSecond) return "%H:%M";
  return "%m-%d %H:%M";
}

const char* color(const NamedCounts& s, std::size_t i) {
  return s.name == "(others)" ? kOthersColor : kColors[i % std::size(kColors)];
}

// One row per bin start (rates in msg/s), and one more at the end so the
// last step is drawn.
std::string rate_block(const char* name, const std::vector<NamedCounts>& series,
                       const TrafficSeries& s, std::int32_t offset) {
  std::string out = std::string("$") + name + " << EOD\n";
  const double per_second = 1e9 / static_cast<double>(s.bin_ns);
  for (std::size_t b = 0; b <= s.bins; ++b) {
    out += x_of(s.start_ns + static_cast<std::int64_t>(b) * s.bin_ns, offset);
    const std::size_t at = std::min(b, s.bins - 1);
    for (const auto& c : series)
      out += " " + number(static_cast<double>(c.counts[at]) * per_second);
    out += "\n";
  }
  return out + "EOD\n";
}

std::string marks_block(const TrafficSeries& s, std::int32_t offset) {
  // A first row of zeros: gnuplot warns about a block without data.
  std::string out = "$marks << EOD\n" + x_of(s.start_ns, offset) + " 0 0\n";
  for (std::size_t b = 0; b < s.bins; ++b) {
    if (s.joins[b] == 0 && s.leaves[b] == 0) continue;
    out += x_of(s.start_ns + static_cast<std::int64_t>(b) * s.bin_ns + s.bin_ns / 2, offset) + " " +
           std::to_string(s.joins[b]) + " " + std::to_string(s.leaves[b]) + "\n";
  }
  return out + "EOD\n";
}

std::string rate_plot(const char* block, const std::vector<NamedCounts>& series,
                      const std::string& extra) {
  if (series.empty())
    return std::string("plot $") + block + " using 1:(0) with lines lc rgb '#ffffff' notitle" +
           extra + "\n";
  std::string out = "plot ";
  for (std::size_t i = 0; i < series.size(); ++i) {
    out +=
        (i ? ", \\\n     " : "") + std::string(i ? "''" : std::string("$") + block) +
        " using 1:" + std::to_string(i + 2) + " with steps lw 2 lc rgb '" + color(series[i], i) +
        "' title " +
        gnuplot_string(clean_utf8(series[i].name, kLabelBytes) + " (" + std::to_string(series[i].total) + ")");
  }
  return out + extra + "\n";
}

std::string gaps_settings(const TrafficSeries& s, std::int32_t offset, std::int64_t& lost) {
  std::string out;
  int n = 1;
  for (const TrafficGap& g : s.gaps) {
    // At least half a bin wide, or a short gap would not show.
    const std::int64_t to = std::max(g.to_ns, g.from_ns + s.bin_ns / 2);
    out += "set object " + std::to_string(n++) + " rect from " + x_of(g.from_ns, offset) +
           ", graph 0 to " + x_of(to, offset) + ", graph 1 behind fc rgb '" + kGapColor +
           "' fs solid 0.45 noborder\n";
    lost += g.lost;
  }
  return out;
}

// Dashed lines through every panel, and "+NAME" / "-NAME" in the first one;
// the marks of one bin share a line and a label ("+RADAR +CLOCK").
std::string mark_lines(const TrafficSeries& s, std::int32_t offset, std::string& labels) {
  if (s.mark_count == 0 || s.mark_count > kMarkLines || s.marks.size() != s.mark_count) return {};
  std::string out;
  int n = 1;
  auto bin_of = [&](const TrafficMark& m) { return (m.wall_ns - s.start_ns) / s.bin_ns; };
  for (std::size_t i = 0; i < s.marks.size();) {
    std::size_t end = i;
    std::string text;
    bool joins = false;
    bool leaves = false;
    for (; end < s.marks.size() && bin_of(s.marks[end]) == bin_of(s.marks[i]); ++end) {
      text += (text.empty() ? "" : " ") + std::string(s.marks[end].joined ? "+" : "-") +
              s.marks[end].agent;
      (s.marks[end].joined ? joins : leaves) = true;
    }
    const char* c = joins && leaves ? "#555555" : joins ? kJoinColor : kLeaveColor;
    const std::string x = x_of(s.marks[i].wall_ns, offset);
    out += "set arrow " + std::to_string(n) + " from " + x + ", graph 0 to " + x +
           ", graph 1 nohead dt 2 lc rgb '" + c + "' back\n";
    labels += "set label " + std::to_string(n++) + " " + gnuplot_string(text, kLabelBytes) +
              " at " + x + ", graph 0.98 rotate by 90 right offset -0.6,0 font ',8' tc rgb '" + c +
              "' front\n";
    i = end;
  }
  return out;
}

}  // namespace

std::optional<PlotFormat> plot_format_of(std::string_view path) {
  const auto dot = path.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  std::string ext(path.substr(dot + 1));
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == "png") return PlotFormat::kPng;
  if (ext == "svg") return PlotFormat::kSvg;
  return std::nullopt;
}

std::string gnuplot_string(std::string_view text, std::size_t max_bytes) {
  // gnuplot's one escape inside single quotes, '', fails at the start of a
  // string ('''x' reads as '' then 'x'): a quote is shown as U+2019 instead.
  std::string out = "'";
  for (char c : clean_utf8(text, max_bytes)) {
    if (c == '\'') {
      out += "\xE2\x80\x99";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string human_interval(std::int64_t ns) {
  if (ns < kSecond) return number(static_cast<double>(ns) / 1e6, "%.3g") + " ms";
  const std::int64_t s = ns / kSecond;
  if (s < 60) return number(static_cast<double>(ns) / 1e9, "%.3g") + " s";
  if (s < 3600)
    return std::to_string(s / 60) + " min" + (s % 60 ? " " + std::to_string(s % 60) + " s" : "");
  return std::to_string(s / 3600) + " h" +
         (s % 3600 / 60 ? " " + std::to_string(s % 3600 / 60) + " min" : "");
}

std::string gnuplot_script(const TrafficSeries& s, const PlotStyle& style) {
  const std::int32_t off = style.utc_offset_s;
  const std::string size = std::to_string(style.width) + "," + std::to_string(style.height);
  std::string out = style.format == PlotFormat::kPng
                        ? "set terminal png size " + size + " noenhanced font ',9'\n"
                        : "set terminal svg size " + size + " noenhanced font 'sans,10'\n";
  out += "set encoding utf8\nset output " + gnuplot_string(style.output, 4096) +
         "\n";  // a path run_gnuplot made
  out += rate_block("senders", s.senders, s, off) + rate_block("classes", s.classes, s, off) +
         marks_block(s, off);
  std::int64_t lost = 0;
  std::string labels;
  out += gaps_settings(s, off, lost) + mark_lines(s, off, labels);
  const std::string gap_key =
      s.gaps.empty() ? ""
                     : ", \\\n     keyentry with boxes fc rgb '" + std::string(kGapColor) +
                           "' fs solid 0.45 title " +
                           gnuplot_string("gaps: " + std::to_string(lost) + " records lost");
  out += "set xdata time\nset timefmt '%s'\nset xrange [" + x_of(s.start_ns, off) + ":" +
         x_of(s.end_ns(), off) + "]\n";
  out +=
      "set grid xtics ytics lc rgb '#e6e6e6'\nset key outside right top Left reverse samplen 2\n";
  out +=
      "set lmargin at screen 0.08\nset rmargin at screen 0.76\nset yrange [0:*]\nset format x ''\n";
  out += "set offsets 0, 0, graph 0.08, 0\n";  // room above the highest step
  out += "set multiplot title " + gnuplot_string(style.title, 300) + "\n";
  out += "set tmargin at screen 0.91\nset bmargin at screen 0.56\nset ylabel 'msg/s by sender'\n" +
         labels;
  out += rate_plot("senders", s.senders, gap_key) + "unset label\n";
  out +=
      "set tmargin at screen 0.52\nset bmargin at screen 0.19\nset ylabel 'msg/s by class (first "
      "word)'\n";
  out += rate_plot("classes", s.classes, "");
  std::int64_t most = 1;
  for (std::size_t b = 0; b < s.bins; ++b) most = std::max({most, s.joins[b], s.leaves[b]});
  out +=
      "set tmargin at screen 0.15\nset bmargin at screen 0.07\nset ylabel 'joins/leaves'\nset "
      "xzeroaxis\n";
  out += "set offsets 0, 0, 0, 0\n";
  out += "set yrange [" + std::to_string(-most) + ":" + std::to_string(most) + "]\nset ytics " +
         std::to_string(most) + "\nset format y '%.0f'\nset format x \"" +
         time_format(s.end_ns() - s.start_ns) + "\"\nset xlabel " +
         gnuplot_string("local time, " + human_interval(s.bin_ns) + " bins") + "\n";
  out += "plot $marks using 1:2 with impulses lw 3 lc rgb '" + std::string(kJoinColor) +
         "' title 'joins', '' using 1:(-$3) with impulses lw 3 lc rgb '" + kLeaveColor +
         "' title 'leaves'\n";
  return out + "unset multiplot\n";
}

}  // namespace ivy::ctl
