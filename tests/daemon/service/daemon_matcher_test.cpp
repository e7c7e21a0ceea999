// ivyd's Hyperscan database cache end to end (daemon/service/daemon.cpp,
// config `matcher`): a restarted ivyd loads its peers' pattern set instead of
// compiling it; damaged cache files are removed and compiled again; a cache
// directory that cannot be written is one warning, and ivyd runs on.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/core/ivy_traffic_generator.hpp"
#include "tests/daemon/ivyd_under_test.hpp"
#include "tests/daemon/test_support.hpp"

namespace ivy::daemon::test {
namespace {

namespace fs = std::filesystem;

constexpr int kPatterns = 300;  // three shards: compiled in about a second

// An agent holding kPatterns air-traffic regexps, and ivyd on its bus.
class DaemonMatcher : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < kPatterns; ++i) {
      ASSERT_TRUE(
          agent_->subscribe(ivy::test::IvyTrafficGenerator::pattern(i % 16, 1000 + i)).ok());
    }
    ASSERT_TRUE(agent_->start().ok());
  }

  static IvydSetup with(const std::string& more) {
    IvydSetup setup;
    setup.log_level = "info";
    setup.more = more;
    return setup;
  }

  // ivyd's matcher document for the bus once every pattern of the agent is
  // in Hyperscan or on the fallback list; null after `timeout`.
  nlohmann::json settled_matcher(IvydUnderTest& ivyd, std::chrono::milliseconds timeout = 60000ms) {
    nlohmann::json matcher;
    run_until(
        io_,
        [&] {
          const auto status = ivyd.status();
          if (!status.is_object() || status["buses"].empty()) return false;
          const auto& m = status["buses"][0]["matcher"];
          if (m["patterns"] != kPatterns || m["side_list_patterns"] != 0) return false;
          matcher = m;
          return true;
        },
        timeout);
    return matcher;
  }

  static std::size_t cache_files(const std::string& dir) {
    std::size_t n = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) n += e.path().extension() == ".hsdb";
    return n;
  }

  std::uint16_t port_ = unique_bus_port();
  asio::io_context io_;
  Logger log_{LogLevel::kError, Logger::Style::kPlain};
  TestAgent agent_{io_, log_, "HOLDER", port_};
};

TEST_F(DaemonMatcher, RestartedIvydLoadsThePeersPatternsInsteadOfCompilingThem) {
  IvydUnderTest ivyd(port_, with(""));
  ASSERT_TRUE(ivyd.start()) << ivyd.log();
  const auto cold = settled_matcher(ivyd);
  ASSERT_TRUE(cold.is_object()) << ivyd.log();
  EXPECT_GE(cold["compiles"].get<int>(), 1);
  EXPECT_EQ(cold["cache_hits"], 0);
  const std::string cache_dir = ivyd.dir.file("hyperscan-cache");
  EXPECT_GE(cache_files(cache_dir), 1u);

  ASSERT_EQ(ivyd.stop(), std::optional<int>(0)) << ivyd.log();
  ASSERT_TRUE(ivyd.start()) << ivyd.log();
  const auto warm = settled_matcher(ivyd);
  ASSERT_TRUE(warm.is_object()) << ivyd.log();
  EXPECT_EQ(warm["compiles"], 0) << warm.dump();
  EXPECT_GE(warm["cache_hits"].get<int>(), 1) << warm.dump();
  EXPECT_EQ(warm["hyperscan_patterns"].get<int>() + warm["fallback_patterns"].get<int>(),
            kPatterns);
  EXPECT_EQ(ivyd.stop(), std::optional<int>(0)) << ivyd.log();
}

TEST_F(DaemonMatcher, DamagedCacheFilesAreRemovedAndCompiledAgain) {
  IvydUnderTest ivyd(port_, with(""));
  ASSERT_TRUE(ivyd.start()) << ivyd.log();
  ASSERT_TRUE(settled_matcher(ivyd).is_object()) << ivyd.log();
  ASSERT_EQ(ivyd.stop(), std::optional<int>(0)) << ivyd.log();
  const std::string cache_dir = ivyd.dir.file("hyperscan-cache");
  std::size_t damaged = 0;
  for (const auto& e : fs::directory_iterator(cache_dir)) {
    if (e.path().extension() != ".hsdb") continue;
    const std::string bytes = ivy::test::read_text_file(e.path().string());
    // Every other file cut in half, the others with a byte flipped inside.
    std::string changed = damaged % 2 ? bytes.substr(0, bytes.size() / 2) : bytes;
    if (damaged % 2 == 0)
      changed[changed.size() - 10] = static_cast<char>(changed[changed.size() - 10] ^ 1);
    ivy::test::write_text_file(e.path().string(), changed);
    ++damaged;
  }
  ASSERT_GE(damaged, 1u);

  ASSERT_TRUE(ivyd.start()) << ivyd.log();
  const auto again = settled_matcher(ivyd);
  ASSERT_TRUE(again.is_object()) << ivyd.log();
  EXPECT_GE(again["compiles"].get<int>(), 1);
  EXPECT_EQ(again["cache_hits"], 0);
  const auto status = ivyd.status();
  EXPECT_GE(status["matcher_cache"]["rejected"].get<int>(), 1) << status["matcher_cache"].dump();
  EXPECT_TRUE(ivyd.running());
  EXPECT_EQ(ivyd.stop(), std::optional<int>(0)) << ivyd.log();
}

TEST_F(DaemonMatcher, UnwritableCacheDirectoryIsOneWarningAndIvydRunsWithoutIt) {
  ivy::test::TempDir elsewhere;
  ivy::test::write_text_file(elsewhere.file("a-file"), "");
  IvydUnderTest ivyd(
      port_, with(R"("matcher": {"cache_dir": ")" + elsewhere.file("a-file") + R"(/cache"})"));
  ASSERT_TRUE(ivyd.start()) << ivyd.log();
  const auto matcher = settled_matcher(ivyd);
  ASSERT_TRUE(matcher.is_object()) << ivyd.log();
  EXPECT_GE(matcher["compiles"].get<int>(), 1);
  EXPECT_FALSE(ivyd.status()["matcher_cache"]["enabled"].get<bool>());
  EXPECT_EQ(ivyd.log_lines_with("running without a Hyperscan database cache"), 1u) << ivyd.log();
  EXPECT_EQ(ivyd.log_lines_with(elsewhere.file("a-file") + "/cache"), 1u) << ivyd.log();
  EXPECT_EQ(ivyd.stop(), std::optional<int>(0)) << ivyd.log();
}

TEST_F(DaemonMatcher, ZeroCacheBytesTurnsTheCacheOff) {
  IvydUnderTest ivyd(port_, with(R"("matcher": {"cache_max_bytes": 0})"));
  ASSERT_TRUE(ivyd.start()) << ivyd.log();
  ASSERT_TRUE(settled_matcher(ivyd).is_object()) << ivyd.log();
  EXPECT_FALSE(ivyd.status()["matcher_cache"]["enabled"].get<bool>());
  EXPECT_FALSE(fs::exists(ivyd.dir.file("hyperscan-cache")));
  EXPECT_EQ(ivyd.stop(), std::optional<int>(0)) << ivyd.log();
}

}  // namespace
}  // namespace ivy::daemon::test
