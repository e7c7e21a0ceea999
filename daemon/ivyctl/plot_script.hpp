#pragma once
// The gnuplot script `ivyctl plot` runs: three panels sharing one time axis
// (local time) -- message rate per sender, message rate per class (first
// word), and agents joining (up) and leaving (down) -- with the gaps of the
// recording (records lost) shaded across all of them. With few joins and
// leaves, each is also a dashed line labelled with the agent's name.
// The data travels inside the script (gnuplot datablocks). Pure.
//
// Every string that comes from the bus or the user (names, classes, the
// title) goes into a single-quoted gnuplot string: gnuplot substitutes
// backquotes (shell commands) and macros only outside those. A quote inside
// is shown as U+2019, control bytes and invalid UTF-8 as '?' (the SVG output
// must stay valid XML), and names are cut to a readable length. The output
// is a path run_gnuplot chose (gnuplot.hpp), never the user's.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/ivyctl/traffic_series.hpp"

namespace ivy::ctl {

enum class PlotFormat { kPng, kSvg };

// By the output file's extension (.png, .svg, any case); nullopt otherwise.
std::optional<PlotFormat> plot_format_of(std::string_view path);

struct PlotStyle {
  PlotFormat format = PlotFormat::kPng;
  std::string output;  // the file gnuplot writes (run_gnuplot's `picture`)
  int width = 1200;    // pixels
  int height = 800;
  std::string title;
  std::int32_t utc_offset_s = 0;  // the time axis shows local time
};

std::string gnuplot_script(const TrafficSeries& series, const PlotStyle& style);

// `text` as a safe single-quoted gnuplot string, at most `max_bytes` of it.
std::string gnuplot_string(std::string_view text, std::size_t max_bytes = 200);

// "250 ms", "2 s", "1 min", "1 h 30 min": a bin width for the axis label.
std::string human_interval(std::int64_t ns);

}  // namespace ivy::ctl
