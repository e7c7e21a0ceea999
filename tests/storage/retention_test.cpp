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
  const auto doomed = files_to_delete(three_files(), "/d/c.db", 10 * kHour, {6 * kHour, 0});
  EXPECT_EQ(doomed, std::vector<std::string>{"/d/a.db"});
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
