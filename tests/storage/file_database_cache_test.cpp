// FileDatabaseCache: entries survive a new instance (a restart), every bad
// file is refused and removed, the size bound evicts the least recently used,
// and a directory that cannot be written is refused with a reason.
#include "storage/file_database_cache.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "core/hs_matcher.hpp"

namespace ivy::storage {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  TempDir() {
    char pattern[] = "/tmp/ivyd-cache-test-XXXXXX";
    path = ::mkdtemp(pattern);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string path;
};

std::shared_ptr<FileDatabaseCache> open_cache(const std::string& dir,
                                              std::uint64_t max_bytes = 1 << 20) {
  auto cache = FileDatabaseCache::open(dir, max_bytes);
  EXPECT_TRUE(cache.ok()) << (cache.ok() ? "" : cache.error().message);
  return cache.ok() ? *cache : nullptr;
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::size_t entries_in(const std::string& dir) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.path().extension() == ".hsdb";
  return n;
}

TEST(FileDatabaseCache, EntryIsThereForTheNextInstance) {
  TempDir dir;
  const std::string payload(5000, 'p');
  open_cache(dir.path + "/cache")->store("key of a set", payload);
  auto restarted = open_cache(dir.path + "/cache");
  EXPECT_EQ(restarted->load("key of a set"), std::optional<std::string>(payload));
  EXPECT_EQ(restarted->load("another key"), std::nullopt);
  const auto s = restarted->stats();
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.rejected, 0u);
  EXPECT_EQ(s.files, 1u);
  EXPECT_GT(s.bytes, payload.size());
}

TEST(FileDatabaseCache, CreatesItsDirectoryForItsOwnerAlone) {
  TempDir dir;
  ASSERT_NE(open_cache(dir.path + "/a/b/cache"), nullptr);
  const auto perms = fs::status(dir.path + "/a/b/cache").permissions();
  EXPECT_EQ(perms & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);
}

TEST(FileDatabaseCache, TruncatedFileIsRefusedAndRemoved) {
  TempDir dir;
  auto cache = open_cache(dir.path);
  cache->store("k", std::string(3000, 'x'));
  const std::string path = cache->path_of("k");
  const std::string whole = read(path);
  for (std::size_t length : {std::size_t{0}, std::size_t{5}, whole.size() / 2, whole.size() - 1}) {
    write(path, whole.substr(0, length));
    EXPECT_EQ(cache->load("k"), std::nullopt) << length;
    EXPECT_FALSE(fs::exists(path)) << length;
  }
  EXPECT_EQ(cache->stats().rejected, 4u);
}

TEST(FileDatabaseCache, CorruptFileIsRefusedAndRemoved) {
  TempDir dir;
  auto cache = open_cache(dir.path);
  cache->store("k", std::string(3000, 'x'));
  const std::string path = cache->path_of("k");
  std::string bytes = read(path);
  bytes[bytes.size() - 100] = 'y';  // in the payload: its digest no longer holds
  write(path, bytes);
  EXPECT_EQ(cache->load("k"), std::nullopt);
  EXPECT_FALSE(fs::exists(path));
  EXPECT_EQ(cache->stats().rejected, 1u);
}

// A file under the right name that is not this key's entry: another format,
// or a valid entry of another key copied over it.
TEST(FileDatabaseCache, ForeignFileIsRefusedAndRemoved) {
  TempDir dir;
  auto cache = open_cache(dir.path);
  write(cache->path_of("k"), "a file some other program left here\n");
  EXPECT_EQ(cache->load("k"), std::nullopt);
  EXPECT_FALSE(fs::exists(cache->path_of("k")));

  cache->store("other key", "other payload");
  fs::copy_file(cache->path_of("other key"), cache->path_of("k"));
  EXPECT_EQ(cache->load("k"), std::nullopt);
  EXPECT_FALSE(fs::exists(cache->path_of("k")));
  EXPECT_EQ(cache->load("other key"), std::optional<std::string>("other payload"));
  EXPECT_EQ(cache->stats().rejected, 2u);
}

TEST(FileDatabaseCache, RemoveDropsAnEntryTheCallerCannotUse) {
  TempDir dir;
  auto cache = open_cache(dir.path);
  cache->store("k", "payload of another Hyperscan");
  cache->remove("k");
  EXPECT_FALSE(fs::exists(cache->path_of("k")));
  EXPECT_EQ(cache->load("k"), std::nullopt);
}

TEST(FileDatabaseCache, UnwritableDirectoryIsRefusedWithTheReason) {
  TempDir dir;
  write(dir.path + "/a-file", "");
  auto under_a_file = FileDatabaseCache::open(dir.path + "/a-file/cache", 1 << 20);
  ASSERT_FALSE(under_a_file.ok());
  EXPECT_NE(under_a_file.error().message.find(dir.path + "/a-file/cache"), std::string::npos)
      << under_a_file.error().message;
  if (::geteuid() != 0) {  // root writes through permission bits
    fs::create_directory(dir.path + "/read-only");
    fs::permissions(dir.path + "/read-only", fs::perms::owner_read | fs::perms::owner_exec);
    auto read_only = FileDatabaseCache::open(dir.path + "/read-only", 1 << 20);
    ASSERT_FALSE(read_only.ok());
    EXPECT_NE(read_only.error().message.find("cannot write"), std::string::npos)
        << read_only.error().message;
  }
}

// Whoever can write in the directory chooses the bytecode Hyperscan runs: a
// directory others may write to, or another user's, is refused.
TEST(FileDatabaseCache, DirectoryOthersCanWriteToIsRefused) {
  TempDir dir;
  const std::string shared = dir.path + "/shared";
  fs::create_directory(shared);
  fs::permissions(shared, fs::perms::all, fs::perm_options::replace);
  auto opened = FileDatabaseCache::open(shared, 1 << 20);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find("writable by other users"), std::string::npos) << opened.error().message;
  fs::permissions(shared, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read,
                  fs::perm_options::replace);
  EXPECT_TRUE(FileDatabaseCache::open(shared, 1 << 20).ok());
}

TEST(FileDatabaseCache, DirectoryOfAnotherUserIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "making a directory another user's needs root";
  TempDir dir;
  const std::string theirs = dir.path + "/theirs";
  fs::create_directory(theirs);
  ASSERT_EQ(::chown(theirs.c_str(), 65534, 65534), 0);
  auto opened = FileDatabaseCache::open(theirs, 1 << 20);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find("belongs to another user"), std::string::npos) << opened.error().message;
}

// A symlink planted under an entry's name is not followed, and a FIFO does
// not block the reader: both are refused like a foreign file.
TEST(FileDatabaseCache, SymlinkOrFifoUnderAnEntrysNameIsRefused) {
  TempDir dir;
  auto cache = open_cache(dir.path + "/cache");
  cache->store("k", "the payload");
  const std::string elsewhere = dir.path + "/elsewhere";
  fs::rename(cache->path_of("k"), elsewhere);
  fs::create_symlink(elsewhere, cache->path_of("k"));
  EXPECT_EQ(cache->load("k"), std::nullopt);
  ASSERT_EQ(::mkfifo(cache->path_of("fifo").c_str(), 0600), 0);
  EXPECT_EQ(cache->load("fifo"), std::nullopt);
  EXPECT_TRUE(fs::exists(elsewhere));  // what the link pointed to is left alone
}

TEST(FileDatabaseCache, SizeBoundEvictsTheLeastRecentlyUsed) {
  TempDir dir;
  const std::string payload(10'000, 'e');
  auto cache = open_cache(dir.path, 35'000);  // room for three entries and their headers
  cache->store("a", payload);
  cache->store("b", payload);
  cache->store("c", payload);
  ASSERT_TRUE(cache->load("a").has_value());  // a is now more recent than b
  cache->store("d", payload);
  EXPECT_FALSE(fs::exists(cache->path_of("b")));
  for (const char* kept : {"a", "c", "d"}) EXPECT_TRUE(fs::exists(cache->path_of(kept))) << kept;
  const auto s = cache->stats();
  EXPECT_EQ(s.evictions, 1u);
  EXPECT_EQ(s.files, 3u);
  EXPECT_LE(s.bytes, 35'000u);
  // A restart counts what is there and keeps the bound.
  auto smaller = open_cache(dir.path, 25'000);
  EXPECT_EQ(entries_in(dir.path), 2u);
  EXPECT_LE(smaller->stats().bytes, 25'000u);
}

TEST(FileDatabaseCache, EntryLargerThanTheBoundIsNotStored) {
  TempDir dir;
  auto cache = open_cache(dir.path, 1000);
  cache->store("big", std::string(2000, 'b'));
  EXPECT_EQ(entries_in(dir.path), 0u);
  EXPECT_EQ(cache->load("big"), std::nullopt);
}

TEST(FileDatabaseCache, TemporaryFileOfADeadWriterIsRemovedOnOpen) {
  TempDir dir;
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr,
            0);  // its pid now names nobody (or, rarely, a newcomer: then the file stays)
  const std::string stale = dir.path + "/.0123.hsdb." + std::to_string(child) + ".1.tmp";
  const std::string ours = dir.path + "/.4567.hsdb." + std::to_string(::getpid()) + ".1.tmp";
  write(stale, "half written");
  write(ours, "being written");
  open_cache(dir.path);
  EXPECT_FALSE(fs::exists(stale) && ::kill(child, 0) != 0);
  EXPECT_TRUE(fs::exists(ours));
}

// The matcher and the directory together, as ivyd uses them across a restart.
TEST(FileDatabaseCache, MatcherOfTheNextRunLoadsInsteadOfCompiling) {
  TempDir dir;
  auto fill = [](HyperscanMatcher& m) {
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE(m.add(1, i, "^Track" + std::to_string(i) + " X=(\\S+) Y=(\\S+)").ok());
    }
  };
  HyperscanMatcherOptions options{.shard_capacity = 50};
  options.cache = open_cache(dir.path);
  {
    HyperscanMatcher first(options);
    fill(first);
    first.flush();
    EXPECT_GT(first.stats().compiles, 0u);
  }
  options.cache = open_cache(dir.path);  // the restart
  HyperscanMatcher second(options);
  fill(second);
  second.flush();
  const MatcherStats s = second.stats();
  EXPECT_EQ(s.compiles, 0u);
  EXPECT_GE(s.cache_hits, 1u);
  EXPECT_EQ(s.hyperscan_patterns, 200u);
  std::vector<Hit> hits;
  second.match("Track42 X=1 Y=2", CaptureMode::kAllGroups, hits);
  EXPECT_EQ(hits, (std::vector<Hit>{{1, 42, {"1", "2"}}}));
}

}  // namespace
}  // namespace ivy::storage
