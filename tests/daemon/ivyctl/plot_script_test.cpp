// The gnuplot script `ivyctl plot` runs (daemon/ivyctl/plot_script.cpp).
#include "daemon/ivyctl/plot_script.hpp"

#include <cmath>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/daemon/ivyctl/recording_support.hpp"

namespace ivy::ctl::test {
namespace {

TEST(PlotScript, FormatFromTheExtension) {
  EXPECT_EQ(plot_format_of("a.png"), PlotFormat::kPng);
  EXPECT_EQ(plot_format_of("dir.x/A.SVG"), PlotFormat::kSvg);
  EXPECT_FALSE(plot_format_of("a.jpg"));
  EXPECT_FALSE(plot_format_of("png"));
}

// Single quotes: no backquote or macro substitution; '' is the one escape.
TEST(PlotScript, StringsAreSafeSingleQuoted) {
  EXPECT_EQ(gnuplot_string("plain"), "'plain'");
  EXPECT_EQ(gnuplot_string("it's"), "'it\xE2\x80\x99s'");
  EXPECT_EQ(gnuplot_string("'x"), "'\xE2\x80\x99x'");
  EXPECT_EQ(gnuplot_string("`rm -rf ~` @macro \"x\""), "'`rm -rf ~` @macro \"x\"'");
  EXPECT_EQ(gnuplot_string("a\nb\x1b[2J"), "'a?b?[2J'");
  EXPECT_EQ(gnuplot_string("caf\xc3\xa9"), "'caf\xc3\xa9'");
  EXPECT_EQ(gnuplot_string("caf\xe9!"), "'caf?!'")
      << "Latin-1 is not UTF-8: the SVG must stay valid";
  EXPECT_EQ(gnuplot_string("abcdef", 3), "'abc...'");
}

TEST(PlotScript, HumanIntervals) {
  EXPECT_EQ(human_interval(250'000'000), "250 ms");
  EXPECT_EQ(human_interval(1'000'000'000), "1 s");
  EXPECT_EQ(human_interval(2'500'000'000), "2.5 s");
  EXPECT_EQ(human_interval(60'000'000'000), "1 min");
  EXPECT_EQ(human_interval(100'000'000'000), "1 min 40 s");
  EXPECT_EQ(human_interval(5'400'000'000'000), "1 h 30 min");
}

TrafficSeries known_series() {
  TrafficBinner b;
  for (const auto& record : traffic_records()) {
    if (const auto* m = std::get_if<storage::MessageRecord>(&record)) {
      b.add_message(m->at.wall_ns,
                    m->sender == 1   ? "RADAR"
                    : m->sender == 2 ? "CLOCK"
                                     : "DISPLAY",
                    m->text);
    } else if (const auto* a = std::get_if<storage::AgentEvent>(&record)) {
      b.add_mark(a->at.wall_ns, a->agent.name.empty() ? "DISPLAY" : a->agent.name,
                 a->change == storage::AgentChange::kJoined);
    } else if (const auto* g = std::get_if<storage::GapRecord>(&record)) {
      b.add_gap(g->from.wall_ns, g->to.wall_ns, static_cast<std::int64_t>(g->dropped));
    }
  }
  return b.finish(100, 8);
}

// The rows of datablock `name`: time (s, shifted) -> the other columns.
std::map<long, std::vector<double>> block(const std::string& script, const std::string& name) {
  std::map<long, std::vector<double>> rows;
  const auto start = script.find("$" + name + " << EOD\n");
  if (start == std::string::npos) return rows;
  std::istringstream in(script.substr(script.find('\n', start) + 1));
  for (std::string line; std::getline(in, line) && line != "EOD";) {
    std::istringstream fields(line);
    double t = 0;
    fields >> t;
    std::vector<double> values;
    for (double v; fields >> v;) values.push_back(v);
    rows[static_cast<long>(std::floor(t))] = values;
  }
  return rows;
}

// The numbers gnuplot draws are the ones the recording says (see
// traffic_records()): rates per second per sender and class, nothing in the
// gap, the burst, the joins and the leave.
TEST(PlotScript, TheDataDrawnIsWhatTheRecordingSays) {
  const TrafficSeries s = known_series();
  ASSERT_EQ(s.bin_ns, 1'000'000'000);
  PlotStyle style;
  style.output = "/tmp/x.png";
  style.title = "known";
  const std::string script = gnuplot_script(s, style);
  const long t0 = kBaseNs / 1'000'000'000;
  const auto senders = block(script, "senders");  // busiest first: RADAR, DISPLAY, CLOCK
  ASSERT_EQ(s.senders[0].name, "RADAR");
  ASSERT_EQ(s.senders[1].name, "DISPLAY");
  ASSERT_EQ(s.senders[2].name, "CLOCK");
  EXPECT_EQ(senders.at(t0 + 10), (std::vector<double>{20, 0, 1}));
  EXPECT_EQ(senders.at(t0 + 25), (std::vector<double>{20, 5, 1}));
  EXPECT_EQ(senders.at(t0 + 32), (std::vector<double>{0, 0, 0})) << "the gap";
  EXPECT_EQ(senders.at(t0 + 45), (std::vector<double>{70, 0, 1})) << "the burst";
  EXPECT_EQ(senders.at(t0 + 50), (std::vector<double>{20, 0, 1}));
  const auto classes = block(script, "classes");
  ASSERT_EQ(s.classes[3].name, "AircraftDelete");
  EXPECT_EQ(classes.at(t0 + 45)[3], 50);
  EXPECT_EQ(classes.at(t0 + 44)[3], 0);
  const auto marks = block(script, "marks");
  EXPECT_EQ(marks.at(t0), (std::vector<double>{2, 0}));
  EXPECT_EQ(marks.at(t0 + 20), (std::vector<double>{1, 0}));
  EXPECT_EQ(marks.at(t0 + 40), (std::vector<double>{0, 1}));
  EXPECT_NE(script.find("set object 1 rect from " + std::to_string(t0 + 30) +
                        ".000000, graph 0 to " + std::to_string(t0 + 35) + ".000000, graph 1"),
            std::string::npos)
      << script;
  EXPECT_NE(script.find("'gaps: 500 records lost'"), std::string::npos);
  EXPECT_NE(script.find("'+RADAR +CLOCK'"), std::string::npos);
  EXPECT_NE(script.find("'-DISPLAY'"), std::string::npos);
  EXPECT_NE(script.find("title 'RADAR (1150)'"), std::string::npos);
}

TEST(PlotScript, TerminalSizeOutputAndLocalTime) {
  const TrafficSeries s = known_series();
  PlotStyle style;
  style.format = PlotFormat::kSvg;
  style.width = 640;
  style.height = 480;
  style.output = "/tmp/ivyctl-plot-x/picture";
  style.utc_offset_s = 3600;
  const std::string script = gnuplot_script(s, style);
  EXPECT_EQ(script.rfind("set terminal svg size 640,480 noenhanced", 0), 0u)
      << script.substr(0, 80);
  EXPECT_NE(script.find("set output '/tmp/ivyctl-plot-x/picture'\n"), std::string::npos);
  const long t0 = kBaseNs / 1'000'000'000 + 3600;
  EXPECT_NE(script.find("set xrange [" + std::to_string(t0) + ".000000:" + std::to_string(t0 + 60) +
                        ".000000]"),
            std::string::npos);
}

// Many joins and leaves: counted in the bottom panel, no wall of labels.
TEST(PlotScript, ManyMarksAreNotLabelled) {
  TrafficBinner b;
  for (int i = 0; i < 100; ++i)
    b.add_mark(kBaseNs + i * 1'000'000'000LL, "A" + std::to_string(i), i % 2 == 0);
  const std::string script = gnuplot_script(b.finish(100, 8), PlotStyle{});
  EXPECT_EQ(script.find("\nset label"), std::string::npos);
  EXPECT_EQ(script.find("\nset arrow"), std::string::npos);
  EXPECT_NE(script.find("with impulses"), std::string::npos);
}

}  // namespace
}  // namespace ivy::ctl::test
