// Logger: journald style under systemd, timestamps otherwise, levels.
#include "daemon/log.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace ivy::daemon {
namespace {

TEST(Logger, JournalStylePrefixesThePriorityAndAddsNoTimestamp) {
  std::ostringstream out;
  Logger log(LogLevel::kDebug, Logger::Style::kJournal, &out);
  log.warning("disk almost full");
  log.error("cannot open");
  log.debug("detail");
  EXPECT_EQ(out.str(), "<4>disk almost full\n<3>cannot open\n<7>detail\n");
}

TEST(Logger, PlainStyleHasATimestampAndTheLevelWord) {
  std::ostringstream out;
  Logger log(LogLevel::kInfo, Logger::Style::kPlain, &out);
  log.notice("joined bus");
  const std::string line = out.str();
  // "2026-11-25 22:34:54.952 notice: joined bus\n"
  ASSERT_GE(line.size(), 24u);
  EXPECT_EQ(line[4], '-');
  EXPECT_EQ(line[10], ' ');
  EXPECT_EQ(line[19], '.');
  EXPECT_NE(line.find(" notice: joined bus\n"), std::string::npos);
}

TEST(Logger, DropsMessagesBelowTheLevel) {
  std::ostringstream out;
  Logger log(LogLevel::kWarning, Logger::Style::kJournal, &out);
  log.info("hidden");
  log.debug("hidden too");
  log.warning("shown");
  EXPECT_EQ(out.str(), "<4>shown\n");
  log.set_level(LogLevel::kDebug);
  log.debug("now shown");
  EXPECT_EQ(out.str(), "<4>shown\n<7>now shown\n");
}

TEST(Logger, ParsesLevelNames) {
  EXPECT_EQ(parse_log_level("debug"), LogLevel::kDebug);
  EXPECT_EQ(parse_log_level("warn"), LogLevel::kWarning);
  EXPECT_EQ(parse_log_level("error"), LogLevel::kError);
  EXPECT_FALSE(parse_log_level("loud").has_value());
}

}  // namespace
}  // namespace ivy::daemon
