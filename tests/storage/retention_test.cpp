#include "storage/retention.hpp"

#include <gtest/gtest.h>

namespace ivy::storage {
namespace {

constexpr std::int64_t kHour = 3600LL * 1'000'000'000;

std::vector<SetFile> three_files() {
  return {{"/d/a.db", 100, 1 * kHour}, {"/d/b.db", 100, 5 * kHour}, {"/d/c.db", 100, 9 * kHour}};
}

TEST(Retention, KeepsEverythingWithoutLimits) {
  EXPECT_TRUE(files_to_delete(three_files(), "/d/c.db", 10 * kHour, {}).empty());
}

TEST(Retention, DeletesFilesOlderThanMaxAge) {
  // a.db was written until b.db started (5 h): 7 h ago; b.db until 9 h: 3 h ago.
  const auto doomed = files_to_delete(three_files(), "/d/c.db", 12 * kHour, {6 * kHour, 0});
  EXPECT_EQ(doomed, std::vector<std::string>{"/d/a.db"});
}

TEST(Retention, JudgesAFileByWhenItsSuccessorStartedNotByItsOwnStart) {
  // a.db started 11 h ago but was written until 7 h ago: younger than 8 h.
  EXPECT_TRUE(files_to_delete(three_files(), "/d/c.db", 12 * kHour, {8 * kHour, 0}).empty());
  EXPECT_EQ(files_to_delete(three_files(), "/d/c.db", 12 * kHour + 1, {7 * kHour, 0}),
            std::vector<std::string>{"/d/a.db"});
}

TEST(Retention, NewestFileIsNotJudgedByAgeEvenWhenItIsNotCurrent) {
  // The current file is elsewhere (its name did not parse, or the clock went
  // back): c.db has no successor, so nothing says when it stopped.
  const auto doomed = files_to_delete(three_files(), "/elsewhere.db", 100 * kHour, {kHour, 0});
  EXPECT_EQ(doomed, (std::vector<std::string>{"/d/a.db", "/d/b.db"}));
}

TEST(Retention, DeletesOldestUntilUnderMaxBytes) {
  const auto doomed = files_to_delete(three_files(), "/d/c.db", 10 * kHour, {0, 150});
  EXPECT_EQ(doomed, (std::vector<std::string>{"/d/a.db", "/d/b.db"}));
}

TEST(Retention, NeverDeletesCurrentFile) {
  const auto doomed = files_to_delete(three_files(), "/d/c.db", 100 * kHour, {kHour, 1});
  EXPECT_EQ(doomed, (std::vector<std::string>{"/d/a.db", "/d/b.db"}));
}

}  // namespace
}  // namespace ivy::storage
