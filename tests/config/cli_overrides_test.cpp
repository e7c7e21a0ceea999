#include "config/cli_overrides.hpp"

#include <gtest/gtest.h>

namespace ivy::config {
namespace {

TEST(CliOverrides, NoOverridesLeaveTheConfigAlone) {
  CliOverrides none;
  EXPECT_TRUE(none.empty());
  ConfigResult result = apply_overrides(default_config(), none);
  ASSERT_TRUE(result);
  EXPECT_EQ(*result, default_config());
}

TEST(CliOverrides, BusReplacesSpecsInOrderAndAddsBuses) {
  CliOverrides overrides{.buses = {"10.0.0:2345", "224.1.2.3:2010"}};
  ConfigResult result = apply_overrides(default_config(), overrides);
  ASSERT_TRUE(result) << to_string(result.error());
  ASSERT_EQ(result->buses.size(), 2u);
  EXPECT_EQ(result->buses[0].id, "main");
  EXPECT_EQ(result->buses[0].spec, "10.0.0:2345");
  EXPECT_EQ(result->buses[1].id, "bus2");
  EXPECT_EQ(result->buses[1].spec, "224.1.2.3:2010");
}

TEST(CliOverrides, NameAppliesToEveryBusAndLogLevelIsSet) {
  CliOverrides overrides{.buses = {":2010", ":2011"}, .name = "rec", .log_level = "debug"};
  ConfigResult result = apply_overrides(default_config(), overrides);
  ASSERT_TRUE(result) << to_string(result.error());
  EXPECT_EQ(result->buses[0].name, "rec");
  EXPECT_EQ(result->buses[1].name, "rec");
  EXPECT_EQ(result->logging.level, LogLevel::kDebug);
}

TEST(CliOverrides, BadValuesNameTheFlag) {
  CliOverrides overrides{.buses = {"127:0"}, .name = "", .log_level = "loud"};
  ConfigResult result = apply_overrides(default_config(), overrides);
  ASSERT_FALSE(result);
  EXPECT_EQ(to_string(result.error()),
            "--bus: \"127:0\": port out of range 1-65535\n"
            "--name: must not be empty\n"
            "--log-level: \"loud\": must be one of debug, info, notice, warning, error\n");
}

TEST(CliOverrides, ConflictsTheOverridesCreateAreReported) {
  CliOverrides overrides{.buses = {"127:2010", "127:2010"}};
  ConfigResult result = apply_overrides(default_config(), overrides);
  ASSERT_FALSE(result);
  EXPECT_EQ(
      to_string(result.error()),
      "command line: buses[1].spec: duplicate bus spec \"127:2010\" (first at buses[0].spec)\n");
}

}  // namespace
}  // namespace ivy::config
