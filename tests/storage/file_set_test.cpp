#include "storage/file_set.hpp"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/storage/test_support.hpp"

namespace ivy::storage {
namespace {

using namespace testing;
namespace fs = std::filesystem;

constexpr std::int64_t kT = 1'795'600'800'000'000'000;  // 2026-11-25T10:00:00Z

void touch(const std::string& path) { std::ofstream(path) << "x"; }

TEST(FileSet, NamesFilesByUtcStartTime) {
  TempDir dir;
  FileSet set(dir.file("ivyd.db"));
  EXPECT_EQ(set.new_file_path(kT), dir.file("ivyd-20261125-100000.db"));
  EXPECT_EQ(compact_utc(kT + 3'723'000'000'000), "20261125-110203");
}

TEST(FileSet, AddsNumberWhenNameIsTaken) {
  TempDir dir;
  FileSet set(dir.file("ivyd.db"));
  touch(set.new_file_path(kT));
  EXPECT_EQ(set.new_file_path(kT), dir.file("ivyd-20261125-100000-2.db"));
}

TEST(FileSet, ListsOnlyMembersOldestFirst) {
  TempDir dir;
  FileSet set(dir.file("ivyd.db"));
  for (const char* name : {"ivyd-20261125-100000-2.db", "ivyd-20261125-100000.db",
                           "ivyd-20261124-230000.db", "ivyd-20261125-100000.db-wal",
                           "other-20261125-100000.db", "ivyd-2026.db",
                           "ivyd-20261125-100000.db.corrupt-20261125-110000"}) {
    touch(dir.file(name));
  }
  const auto files = set.files();
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[0].path, dir.file("ivyd-20261124-230000.db"));
  EXPECT_EQ(files[1].path, dir.file("ivyd-20261125-100000.db"));
  EXPECT_EQ(files[2].path, dir.file("ivyd-20261125-100000-2.db"));
  EXPECT_EQ(files[1].bytes, 2u);  // database + -wal
  EXPECT_EQ(*set.newest(), files[2].path);
}

TEST(FileSet, StartTimeComesFromTheNameNotTheFileSystem) {
  TempDir dir;
  FileSet set(dir.file("ivyd.db"));
  touch(dir.file("ivyd-20261125-100000.db"));
  touch(dir.file("ivyd-20261125-100000-2.db"));
  fs::last_write_time(dir.file("ivyd-20261125-100000.db"), fs::file_time_type::clock::now() - std::chrono::hours(1000));
  const auto files = set.files();
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].started_ns, kT);
  EXPECT_EQ(files[1].started_ns, kT);
}

TEST(FileSet, ParsesCompactUtcBackAndRejectsOtherText) {
  EXPECT_EQ(parse_compact_utc(compact_utc(kT + 3'723'000'000'000)), kT + 3'723'000'000'000);
  EXPECT_EQ(parse_compact_utc("19700101-000000"), 0);
  EXPECT_EQ(parse_compact_utc("20261125-1000"), std::nullopt);
  EXPECT_EQ(parse_compact_utc("2026112X-100000"), std::nullopt);
  EXPECT_EQ(parse_compact_utc("2026 125-100000"), std::nullopt);
}

TEST(FileSet, PointsConfiguredPathAtCurrentFile) {
  TempDir dir;
  FileSet set(dir.file("ivyd.db"));
  touch(dir.file("ivyd-20261125-100000.db"));
  ASSERT_TRUE(set.link_current(dir.file("ivyd-20261125-100000.db")));
  touch(dir.file("ivyd-20261125-110000.db"));
  ASSERT_TRUE(set.link_current(dir.file("ivyd-20261125-110000.db")));
  EXPECT_EQ(fs::read_symlink(dir.file("ivyd.db")), "ivyd-20261125-110000.db");
}

TEST(FileSet, LeavesRegularFileAtConfiguredPathAlone) {
  TempDir dir;
  FileSet set(dir.file("ivyd.db"));
  touch(dir.file("ivyd.db"));
  EXPECT_FALSE(set.link_current(dir.file("ivyd-20261125-100000.db")));
  EXPECT_TRUE(fs::is_regular_file(dir.file("ivyd.db")));
}

TEST(FileSet, MovesCorruptFileAsideWithItsWal) {
  TempDir dir;
  FileSet set(dir.file("ivyd.db"));
  const std::string file = dir.file("ivyd-20261125-100000.db");
  touch(file);
  touch(file + "-wal");
  auto moved = set.move_aside(file, kT);
  ASSERT_TRUE(moved);
  EXPECT_EQ(*moved, file + ".corrupt-20261125-100000");
  EXPECT_TRUE(fs::exists(*moved));
  EXPECT_TRUE(fs::exists(*moved + "-wal"));
  EXPECT_FALSE(fs::exists(file));
}

}  // namespace
}  // namespace ivy::storage
