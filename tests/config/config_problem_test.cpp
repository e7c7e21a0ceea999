#include "config/config_problem.hpp"

#include <gtest/gtest.h>

namespace ivy::config {
namespace {

TEST(ConfigProblem, PrintsFileLineColumnPathAndMessage) {
  ConfigProblem problem{"ivyd.json", "buses[1].spec", 12, 15,
                        "\"127.0.0:99999\": port out of range 1-65535"};
  EXPECT_EQ(to_string(problem),
            "ivyd.json:12:15: buses[1].spec: \"127.0.0:99999\": port out of range 1-65535");
}

TEST(ConfigProblem, LeavesOutUnknownParts) {
  EXPECT_EQ(to_string(ConfigProblem{"--bus", "", 0, 0, "bad"}), "--bus: bad");
  EXPECT_EQ(to_string(ConfigProblem{"", "recorder.path", 0, 0, "must not be empty"}),
            "recorder.path: must not be empty");
  EXPECT_EQ(to_string(ConfigProblem{"f", "", 1, 2, "JSON syntax error: x"}),
            "f:1:2: JSON syntax error: x");
}

TEST(ConfigProblem, PrintsOneProblemPerLine) {
  ConfigProblems problems{{"f", "a", 1, 1, "x"}, {"f", "b", 2, 1, "y"}};
  EXPECT_EQ(to_string(problems), "f:1:1: a: x\nf:2:1: b: y\n");
}

// Found by config_loader_fuzz: a JSON key "a\nb" is quoted in the path and in
// the "unknown key" message, and split the problem over two lines.
TEST(ConfigProblem, ControlBytesInPathAndMessageAreEscaped) {
  ConfigProblem problem{"f", "[\"a\nb\"]", 1, 1, "unknown key \"a\nb\r\t\x01\x7f\""};
  EXPECT_EQ(to_string(problem), "f:1:1: [\"a\\nb\"]: unknown key \"a\\nb\\r\\t\\x01\\x7f\"");
  // Other bytes (UTF-8 included) stay as they are.
  EXPECT_EQ(to_string(ConfigProblem{"", "", 0, 0, "\"k\xc3\xa9y\" ok"}), "\"k\xc3\xa9y\" ok");
  EXPECT_EQ(to_string(ConfigProblems{problem, problem}).find('\n'), to_string(problem).size());
}

TEST(ConfigProblem, ExitCodeIsExConfig) { EXPECT_EQ(kExitConfigError, 78); }

}  // namespace
}  // namespace ivy::config
