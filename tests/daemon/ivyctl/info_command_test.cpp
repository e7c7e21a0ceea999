// `ivyctl info` on a recording written by the real SqliteRecorder
// (daemon/ivyctl/info_command.cpp): counts, span, senders, runs.
#include <gtest/gtest.h>

#include <sstream>

#include "tests/daemon/ivyctl/recording_support.hpp"
#include "tests/daemon/process_support.hpp"

namespace ivy::ctl::test {
namespace {

using namespace std::chrono_literals;
using ivy::test::bin_path;
using ivy::test::run_command;
using ivy::test::TempDir;

bool has_line(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (l == line) return true;
  }
  return false;
}

TEST(InfoCommand, ShowsCountsSpanAndSenders) {
  TempDir dir;
  write_recording(dir.file("rec.db"), sample_records());
  std::string out;
  std::string err;
  ASSERT_EQ(run_command({bin_path("ivyctl"), "info", "--db", dir.file("rec.db")}, &out, &err, 10s), 0) << err;
  EXPECT_NE(out.find("Files:          1 ("), std::string::npos) << out;
  // 6 messages between +10 ms and +20 ms: 600 msg/s; 5 x 2 receivers.
  EXPECT_TRUE(has_line(out, "Messages:       6 (600 msg/s), 10 deliveries")) << out;
  EXPECT_TRUE(has_line(out, "Duration:       0h 00m 00s")) << out;
  EXPECT_TRUE(has_line(out, "Events:         8")) << out;
  EXPECT_TRUE(has_line(out, "Gaps:           0 (0 records lost)")) << out;
  EXPECT_TRUE(has_line(out, "Delivery drops: 0 (0 frames not delivered to peers whose queue was full)")) << out;
  EXPECT_NE(out.find("host testhost, bus 127.255.255.255:2010, ivyd test"), std::string::npos) << out;
  EXPECT_TRUE(has_line(out, "Senders:")) << out;
  EXPECT_TRUE(has_line(out, "  5\tALPHA (127.0.0.1, app-ALPHA)")) << out;
  EXPECT_TRUE(has_line(out, "  1\tGAMMA (127.0.0.1, app-GAMMA)")) << out;
  EXPECT_LT(out.find("ALPHA (127.0.0.1"), out.find("GAMMA (127.0.0.1")) << "busiest sender first:\n" << out;
  EXPECT_TRUE(has_line(out, "Busiest messages:")) << out;
}

TEST(InfoCommand, ShowsFramesPeersMissed) {
  TempDir dir;
  write_recording(dir.file("rec.db"), {join(1, "SLOW", 0), storage::DeliveryDropRecord{at_ms(1), at_ms(900), 1, 250},
                                       storage::DeliveryDropRecord{at_ms(1000), at_ms(1200), 1, 50}});
  std::string out;
  std::string err;
  ASSERT_EQ(run_command({bin_path("ivyctl"), "info", "--db", dir.file("rec.db")}, &out, &err, 10s), 0) << err;
  EXPECT_TRUE(has_line(out, "Delivery drops: 2 (300 frames not delivered to peers whose queue was full)")) << out;
  EXPECT_TRUE(has_line(out, "Gaps:           0 (0 records lost)")) << out;
}

TEST(InfoCommand, RecordingWithoutMessagesHasNoSpan) {
  TempDir dir;
  write_recording(dir.file("rec.db"), {join(1, "ALPHA", 0)});
  std::string out;
  std::string err;
  ASSERT_EQ(run_command({bin_path("ivyctl"), "info", "--db", dir.file("rec.db")}, &out, &err, 10s), 0) << err;
  EXPECT_EQ(out.find("Start:"), std::string::npos) << out;
  EXPECT_TRUE(has_line(out, "Messages:       0 (0 msg/s), 0 deliveries")) << out;
  EXPECT_EQ(out.find("Senders:"), std::string::npos) << out;
}

// The known minute (traffic_records): ~21 msg/s, a hole for the gap, the
// burst at 45 s.
TEST(InfoCommand, SparklineOfTheRate) {
  TempDir dir;
  write_recording(dir.file("rec.db"), traffic_records());
  std::string out;
  std::string err;
  ASSERT_EQ(run_command({"/usr/bin/env", "LANG=C.UTF-8", "LC_ALL=", "LC_CTYPE=", bin_path("ivyctl"), "info", "--db",
                         dir.file("rec.db"), "--sparkline", "always"},
                        &out, &err, 10s),
            0)
      << err;
  std::string expected = "Rate:           ";
  for (int s = 0; s < 60; ++s) expected += s >= 30 && s < 35 ? " " : s == 45 ? "\u2588" : "\u2583";
  expected += "  peak 71 msg/s in 1 s";
  EXPECT_TRUE(has_line(out, expected)) << out;
  EXPECT_LT(out.find("Messages:"), out.find("Rate:")) << out;
  // ASCII when the locale is not UTF-8.
  ASSERT_EQ(run_command({"/usr/bin/env", "LANG=C", "LC_ALL=", "LC_CTYPE=", bin_path("ivyctl"), "info", "--db",
                         dir.file("rec.db"), "--sparkline", "always"},
                        &out, &err, 10s),
            0);
  EXPECT_NE(out.find("Rate:           ------------------------------     ----------#--------------  peak"),
            std::string::npos)
      << out;
}

// Not a terminal (a pipe, a file): the output scripts read stays as it was.
TEST(InfoCommand, NoSparklineWhenNotATerminal) {
  TempDir dir;
  write_recording(dir.file("rec.db"), traffic_records());
  std::string out;
  ASSERT_EQ(run_command({bin_path("ivyctl"), "info", "--db", dir.file("rec.db")}, &out, nullptr, 10s), 0);
  EXPECT_EQ(out.find("Rate:"), std::string::npos) << out;
  ASSERT_EQ(run_command({bin_path("ivyctl"), "info", "--db", dir.file("rec.db"), "--sparkline", "never"}, &out,
                        nullptr, 10s),
            0);
  EXPECT_EQ(out.find("Rate:"), std::string::npos) << out;
  EXPECT_EQ(run_command({bin_path("ivyctl"), "info", "--db", dir.file("rec.db"), "--sparkline", "sometimes"}), 2);
}

TEST(InfoCommand, MissingRecordingExitsOne) {
  TempDir dir;
  std::string err;
  EXPECT_EQ(run_command({bin_path("ivyctl"), "info", "--db", dir.file("none.db")}, nullptr, &err), 1);
  EXPECT_NE(err.find("none.db"), std::string::npos) << err;
}

}  // namespace
}  // namespace ivy::ctl::test
