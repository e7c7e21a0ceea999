// ivyctl's dispatch (daemon/ivyctl/main.cpp): the command list, --version,
// and exit code 2 for a missing or unknown command.
#include <gtest/gtest.h>

#include "tests/daemon/process_support.hpp"

namespace ivy::ctl {
namespace {

using ivy::test::bin_path;
using ivy::test::run_command;

TEST(IvyctlMain, HelpListsEveryCommandAndExitsZero) {
  std::string out;
  ASSERT_EQ(run_command({bin_path("ivyctl"), "--help"}, &out), 0);
  for (const char* command : {"probe", "status", "who", "who-gets", "query", "info", "export", "replay", "lint", "plot"}) {
    EXPECT_NE(out.find("\n  " + std::string(command) + " "), std::string::npos) << command << " missing from:\n" << out;
  }
}

TEST(IvyctlMain, EveryCommandHasHelpThatExitsZero) {
  for (const char* command : {"probe", "status", "who", "who-gets", "query", "info", "export", "replay", "lint", "plot"}) {
    std::string out;
    EXPECT_EQ(run_command({bin_path("ivyctl"), command, "--help"}, &out), 0) << command;
    EXPECT_NE(out.find("usage: ivyctl " + std::string(command)), std::string::npos) << out;
    EXPECT_NE(out.find("Exit status"), std::string::npos) << out;
  }
}

TEST(IvyctlMain, VersionPrintsTheProjectVersion) {
  std::string out;
  ASSERT_EQ(run_command({bin_path("ivyctl"), "--version"}, &out), 0);
  EXPECT_EQ(out, std::string("ivyctl ") + IVYD_VERSION + "\n");
}

TEST(IvyctlMain, MissingOrUnknownCommandExitsTwo) {
  std::string err;
  EXPECT_EQ(run_command({bin_path("ivyctl")}, nullptr, &err), 2);
  EXPECT_NE(err.find("usage: ivyctl COMMAND"), std::string::npos) << err;
  EXPECT_EQ(run_command({bin_path("ivyctl"), "frobnicate"}, nullptr, &err), 2);
  EXPECT_NE(err.find("unknown command 'frobnicate'"), std::string::npos) << err;
}

}  // namespace
}  // namespace ivy::ctl
