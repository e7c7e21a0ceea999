// `ivyctl plot` end to end, with the real gnuplot (daemon/ivyctl/plot_command.cpp):
// a known recording to PNG and SVG of the requested size, the filters, and
// every way gnuplot can fail.
#include <sys/stat.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "tests/daemon/ivyctl/recording_support.hpp"
#include "tests/daemon/process_support.hpp"

namespace ivy::ctl::test {
namespace {

using namespace std::chrono_literals;
using ivy::test::bin_path;
using ivy::test::read_text_file;
using ivy::test::run_command;
using ivy::test::TempDir;
using ivy::test::write_text_file;

struct PlotRun {
  int code = -1;
  std::string out;
  std::string err;
};

PlotRun plot(const std::vector<std::string>& args) {
  PlotRun r;
  std::vector<std::string> argv{bin_path("ivyctl"), "plot"};
  argv.insert(argv.end(), args.begin(), args.end());
  r.code = run_command(argv, &r.out, &r.err, 60s);
  return r;
}

// Width and height from a PNG's signature and IHDR chunk; {0, 0} if it is
// not a PNG.
std::pair<unsigned, unsigned> png_size(const std::string& bytes) {
  static const std::string kSignature("\x89PNG\r\n\x1a\n", 8);
  if (bytes.size() < 24 || bytes.compare(0, 8, kSignature) != 0 ||
      bytes.compare(12, 4, "IHDR") != 0)
    return {0, 0};
  auto be32 = [&](std::size_t at) {
    unsigned v = 0;
    for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
    return v;
  };
  return {be32(16), be32(20)};
}

// Width and height attributes of the root <svg> element; {"", ""} if none.
std::pair<std::string, std::string> svg_size(const std::string& text) {
  const auto root = text.find("<svg");
  if (root == std::string::npos || text.find("</svg>") == std::string::npos) return {};
  const std::string tag = text.substr(root, text.find('>', root) - root);
  auto attribute = [&](const std::string& name) {
    const auto at = tag.find(" " + name + "=\"");
    if (at == std::string::npos) return std::string();
    const auto from = at + name.size() + 3;
    return tag.substr(from, tag.find('"', from) - from);
  };
  return {attribute("width"), attribute("height")};
}

bool gnuplot_installed() { return run_command({"/bin/sh", "-c", "command -v gnuplot"}) == 0; }

class PlotCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!gnuplot_installed()) GTEST_SKIP() << "gnuplot is not installed (package gnuplot-nox)";
    write_recording(db_, traffic_records());
  }
  TempDir dir_;
  std::string db_ = dir_.file("rec.db");
};

TEST_F(PlotCommand, WritesAPngOfTheRequestedSize) {
  const PlotRun r = plot({"--db", db_, "-o", dir_.file("traffic.png")});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(png_size(read_text_file(dir_.file("traffic.png"))),
            (std::pair<unsigned, unsigned>{1200, 800}));
  EXPECT_EQ(r.out, "wrote " + dir_.file("traffic.png") + ": " + std::to_string(kTrafficMessages) +
                       " messages, 60 bins of 1 s\n");
  ASSERT_EQ(plot({"--db", db_, "-o", dir_.file("small.PNG"), "--size", "640x480"}).code, 0);
  EXPECT_EQ(png_size(read_text_file(dir_.file("small.PNG"))),
            (std::pair<unsigned, unsigned>{640, 480}));
}

TEST_F(PlotCommand, WritesAnSvgOfTheRequestedSize) {
  const PlotRun r = plot({"--db", db_, "-o", dir_.file("traffic.svg"), "--size", "900x600",
                          "--title", "a 'known' minute"});
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string svg = read_text_file(dir_.file("traffic.svg"));
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_EQ(svg_size(svg), (std::pair<std::string, std::string>{"900", "600"}));
  EXPECT_NE(svg.find("a \xE2\x80\x99known\xE2\x80\x99 minute"), std::string::npos)
      << "quotes shown as U+2019";
  EXPECT_NE(svg.find("RADAR (1150)"), std::string::npos);
  EXPECT_NE(svg.find("AircraftDelete (50)"), std::string::npos);
  EXPECT_NE(svg.find("gaps: 500 records lost"), std::string::npos);
}

TEST_F(PlotCommand, FiltersSelectTheMessages) {
  PlotRun r = plot({"--db", db_, "-o", dir_.file("radar.png"), "--agent", "RADAR"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(": 1150 messages"), std::string::npos) << r.out;
  r = plot({"--db", db_, "-o", dir_.file("ticks.png"), "--match", "^Tick"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(": 55 messages"), std::string::npos) << r.out;
  r = plot({"--db", db_, "-o", dir_.file("late.png"), "--since", "2026-11-25T10:00:50Z"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(": 210 messages, 100 bins of 100 ms"), std::string::npos)
      << r.out;  // 10 s x (20 + 1)
}

TEST_F(PlotCommand, NothingToPlotExitsOne) {
  const PlotRun r = plot({"--db", db_, "-o", dir_.file("none.png"), "--since", "2027-01-01"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("nothing to plot"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("with these filters"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.file("none.png")));
}

TEST_F(PlotCommand, BadUsageExitsTwo) {
  EXPECT_EQ(plot({"--db", db_}).code, 2) << "-o is required";
  const PlotRun jpg = plot({"--db", db_, "-o", dir_.file("x.jpg")});
  EXPECT_EQ(jpg.code, 2);
  EXPECT_NE(jpg.err.find("must end in .png or .svg"), std::string::npos) << jpg.err;
  EXPECT_EQ(plot({"--db", db_, "-o", dir_.file("x.png"), "--size", "10x10"}).code, 2);
  EXPECT_EQ(plot({"--db", db_, "-o", dir_.file("x.png"), "--size", "big"}).code, 2);
  EXPECT_EQ(plot({"--db", db_, "-o", dir_.file("x.png"), "--since", "yesterdayish"}).code, 2);
  EXPECT_EQ(plot({"--db", db_, "-o", dir_.file("x.png"), "--kind", "msg"}).code, 2)
      << "no --kind for plot";
}

TEST_F(PlotCommand, MissingRecordingExitsOne) {
  const PlotRun r = plot({"--db", dir_.file("none.db"), "-o", dir_.file("x.png")});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("none.db"), std::string::npos) << r.err;
}

// --- gnuplot failures ----------------------------------------------------------------------

TEST_F(PlotCommand, MissingGnuplotSaysWhatToInstall) {
  const PlotRun r =
      plot({"--db", db_, "-o", dir_.file("x.png"), "--gnuplot", dir_.file("no/gnuplot")});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("cannot run " + dir_.file("no/gnuplot")), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("install the gnuplot-nox package"), std::string::npos) << r.err;
}

TEST_F(PlotCommand, GnuplotErrorsAreReported) {
  write_text_file(dir_.file("failing-gnuplot"),
                  "#!/bin/sh\necho \"line 3: no such terminal\" >&2\nexit 1\n");
  ::chmod(dir_.file("failing-gnuplot").c_str(), 0755);
  PlotRun r =
      plot({"--db", db_, "-o", dir_.file("x.png"), "--gnuplot", dir_.file("failing-gnuplot")});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("failed (exit status 1):\nline 3: no such terminal"), std::string::npos)
      << r.err;

  write_text_file(dir_.file("silent-gnuplot"), "#!/bin/sh\nexit 0\n");
  ::chmod(dir_.file("silent-gnuplot").c_str(), 0755);
  r = plot({"--db", db_, "-o", dir_.file("y.png"), "--gnuplot", dir_.file("silent-gnuplot")});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("drew no picture"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.file("y.png")));

  write_text_file(dir_.file("crashing-gnuplot"), "#!/bin/sh\nkill -SEGV $$\n");
  ::chmod(dir_.file("crashing-gnuplot").c_str(), 0755);
  r = plot({"--db", db_, "-o", dir_.file("z.png"), "--gnuplot", dir_.file("crashing-gnuplot")});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("killed by signal 11"), std::string::npos) << r.err;
}

// The real gnuplot refusing a script (here: a terminal this gnuplot does
// not have, through a wrapper that rewrites the script).
TEST_F(PlotCommand, RealGnuplotFailureIsReported) {
  write_text_file(dir_.file("broken-gnuplot"),
                  "#!/bin/sh\nsed -i 's/^set terminal png/set terminal nosuchterminal/' "
                  "\"$1\"\nexec gnuplot \"$1\"\n");
  ::chmod(dir_.file("broken-gnuplot").c_str(), 0755);
  const PlotRun r =
      plot({"--db", db_, "-o", dir_.file("x.png"), "--gnuplot", dir_.file("broken-gnuplot")});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("failed (exit status 1):"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nosuchterminal"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.file("x.png")));
}

// A picture that cannot be put where asked: an error naming the path, and
// an existing picture is left as it was when gnuplot fails.
TEST_F(PlotCommand, UnwritableOutputIsAnError) {
  const PlotRun r = plot({"--db", db_, "-o", dir_.file("no/such/dir/x.png")});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("cannot write " + dir_.file("no/such/dir/x.png")), std::string::npos)
      << r.err;
  write_text_file(dir_.file("kept.png"), "old picture");
  write_text_file(dir_.file("failing-gnuplot"), "#!/bin/sh\nexit 1\n");
  ::chmod(dir_.file("failing-gnuplot").c_str(), 0755);
  EXPECT_EQ(
      plot({"--db", db_, "-o", dir_.file("kept.png"), "--gnuplot", dir_.file("failing-gnuplot")})
          .code,
      1);
  EXPECT_EQ(read_text_file(dir_.file("kept.png")), "old picture");
}

// The user's path never goes into the script: any name works.
TEST_F(PlotCommand, OutputPathWithQuotesAndBackquotes) {
  const std::string odd = dir_.file("it's `odd` @x.png");
  const PlotRun r = plot({"--db", db_, "-o", odd});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(png_size(read_text_file(odd)), (std::pair<unsigned, unsigned>{1200, 800}));
}

// Names from the bus end up in gnuplot's script: backquotes, quotes and
// macros in them run nothing, and the picture is drawn.
TEST_F(PlotCommand, HostileNamesRunNothing) {
  const std::string pwned1 = dir_.file("pwned1");
  const std::string pwned2 = dir_.file("pwned2");
  const std::string evil1 = "`touch " + pwned1 + "`";
  const std::string evil2 = "'; system('touch " + pwned2 + "'); print '";
  write_recording(dir_.file("evil.db"),
                  {join(1, evil1, 0), join(2, evil2, 0), message(1, evil1 + " text", 10),
                   message(2, evil2, 20), message(2, "@macro \x01\xff\n", 30)});
  for (const char* name : {"evil.png", "evil.svg"}) {
    const PlotRun r = plot({"--db", dir_.file("evil.db"), "-o", dir_.file(name)});
    EXPECT_EQ(r.code, 0) << name << ": " << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(pwned1));
  EXPECT_FALSE(std::filesystem::exists(pwned2));
  EXPECT_NE(png_size(read_text_file(dir_.file("evil.png"))).first, 0u);
  EXPECT_NE(read_text_file(dir_.file("evil.svg")).find("`touch "), std::string::npos)
      << "the name is shown as text";
}

}  // namespace
}  // namespace ivy::ctl::test
