#include "core/hs_compile_worker.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <memory>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "tests/core/ivy_traffic_generator.hpp"
#include "tests/core/memory_database_cache.hpp"

namespace ivy::test {
namespace {

std::vector<HsPatternSpec> specs(int n, PatternId first_id, bool reversed = false) {
  std::vector<HsPatternSpec> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(
        {first_id + static_cast<PatternId>(i), IvyTrafficGenerator::pattern(i, 1000 + i)});
  }
  if (reversed) std::reverse(out.begin(), out.end());
  return out;
}

// A cache whose load() waits until the test releases it, counting every use.
class GatedCache final : public DatabaseCache {
 public:
  std::optional<std::string> load(std::string_view) override {
    std::unique_lock lock(mutex_);
    ++uses_;
    entered_ = true;
    changed_.notify_all();
    changed_.wait(lock, [&] { return released_; });
    return std::nullopt;
  }
  void store(std::string_view, std::string_view) override { count(); }
  void remove(std::string_view) override { count(); }

  bool wait_entered() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(10), [&] { return entered_; });
  }
  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }
  int uses() const {
    std::lock_guard lock(mutex_);
    return uses_;
  }

 private:
  void count() {
    std::lock_guard lock(mutex_);
    ++uses_;
  }
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  int uses_ = 0;
  bool entered_ = false;
  bool released_ = false;
};

std::vector<HsCompileDone> run(HsCompileWorker& worker, std::vector<HsCompileJob> jobs) {
  for (auto& job : jobs) worker.submit(std::move(job));
  worker.wait_idle();
  std::vector<HsCompileDone> done;
  worker.take_done(done);
  return done;
}

std::set<PatternId> ids_of(const HsBuildResult& r) {
  std::set<PatternId> ids(r.fallback.begin(), r.fallback.end());
  if (r.database) {
    for (const auto& info : r.database->patterns()) ids.insert(info.id);
  }
  return ids;
}

TEST(HsCompileWorker, StoresWhatItCompilesAndLoadsItForTheSameSetInAnyOrder) {
  auto cache = std::make_shared<MemoryDatabaseCache>();
  {
    HsCompileWorker first(cache);
    const auto done = run(first, {HsCompileJob{0, 1, specs(48, 1), JitMode::kJit}});
    ASSERT_EQ(done.size(), 1u);
    EXPECT_FALSE(done[0].from_cache);
    EXPECT_EQ(first.compiles(), 1u);
    EXPECT_EQ(cache->size(), 1u);
  }
  HsCompileWorker second(cache);  // a restart: the same texts, other ids, other order
  const auto done = run(second, {HsCompileJob{3, 1, specs(48, 500, true), JitMode::kJit}});
  ASSERT_EQ(done.size(), 2u);  // the database at once, then its JIT copies
  EXPECT_TRUE(done[0].from_cache);
  EXPECT_FALSE(done[0].upgrade);
  EXPECT_EQ(done[0].shard, 3u);
  EXPECT_EQ(second.compiles(), 0u);
  EXPECT_EQ(second.cache_hits(), 1u);
  std::set<PatternId> expected;
  for (const auto& s : specs(48, 500)) expected.insert(s.id);
  EXPECT_EQ(ids_of(done[0].result), expected);
  EXPECT_FALSE(done[0].result.fallback.empty());  // \K, (?|, embedded $ are among the shapes
  ASSERT_NE(done[0].result.database, nullptr);
  for (const auto& info : done[0].result.database->patterns()) EXPECT_EQ(info.hit_regex, nullptr);

  ASSERT_TRUE(done[1].upgrade);
  EXPECT_EQ(done[1].shard, 3u);
  ASSERT_NE(done[1].result.database, nullptr);
  EXPECT_EQ(done[1].result.database->raw(), done[0].result.database->raw());
  std::size_t jitted = 0;
  const auto& before = done[0].result.database->patterns();
  const auto& after = done[1].result.database->patterns();
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].id, before[i].id);
    EXPECT_EQ(after[i].prefilter, before[i].prefilter);
    jitted += after[i].hit_regex != nullptr;
  }
  EXPECT_GT(jitted, 0u);  // the shapes with groups
}

TEST(HsCompileWorker, LoadWithoutJitIsOneResult) {
  auto cache = std::make_shared<MemoryDatabaseCache>();
  HsCompileWorker worker(cache);
  run(worker, {HsCompileJob{0, 1, specs(20, 1), JitMode::kInterpreter}});
  const auto done = run(worker, {HsCompileJob{0, 2, specs(20, 1), JitMode::kInterpreter}});
  ASSERT_EQ(done.size(), 1u);
  EXPECT_TRUE(done[0].from_cache);
}

TEST(HsCompileWorker, ProbeCompilesNothingOnAMiss) {
  auto cache = std::make_shared<MemoryDatabaseCache>();
  HsCompileWorker worker(cache);
  HsCompileJob probe{7, 0, specs(20, 1), JitMode::kJit, true};
  const auto done = run(worker, {probe});
  ASSERT_EQ(done.size(), 1u);
  EXPECT_TRUE(done[0].missed);
  EXPECT_EQ(done[0].result.database, nullptr);
  EXPECT_EQ(worker.compiles(), 0u);
  EXPECT_EQ(cache->size(), 0u);
}

TEST(HsCompileWorker, RemovesAnEntryItCannotUseAndCompilesInstead) {
  auto cache = std::make_shared<MemoryDatabaseCache>();
  HsCompileWorker worker(cache);
  run(worker, {HsCompileJob{0, 1, specs(10, 1), JitMode::kJit}});
  cache->edit_all([](std::string& bytes) { bytes[bytes.size() / 2] ^= 0x20; });
  const auto done = run(worker, {HsCompileJob{0, 2, specs(10, 1), JitMode::kJit}});
  ASSERT_EQ(done.size(), 1u);
  EXPECT_FALSE(done[0].from_cache);
  EXPECT_NE(done[0].result.database, nullptr);
  EXPECT_EQ(cache->removes(), 1u);
  EXPECT_EQ(cache->stores(), 2u);  // a good entry again
  EXPECT_EQ(worker.compiles(), 2u);
}

TEST(HsCompileWorker, ProbeJumpsTheQueue) {
  auto cache = std::make_shared<MemoryDatabaseCache>();
  HsCompileWorker worker(cache);
  worker.submit(HsCompileJob{0, 1, specs(60, 1), JitMode::kJit});          // may be running already
  worker.submit(HsCompileJob{1, 1, specs(10, 100), JitMode::kJit});        // queued
  worker.submit(HsCompileJob{2, 1, specs(30, 200), JitMode::kJit, true});  // probe: before shard 1
  worker.wait_idle();
  std::vector<HsCompileDone> done;
  worker.take_done(done);
  ASSERT_EQ(done.size(), 3u);
  auto position = [&](std::size_t shard) {
    return std::find_if(done.begin(), done.end(),
                        [&](const HsCompileDone& d) { return d.shard == shard; }) -
           done.begin();
  };
  EXPECT_LT(position(2), position(1));
}

TEST(HsCompileWorker, CallsOnDoneAfterEveryResult) {
  HsCompileWorker worker;
  std::atomic<int> calls{0};
  worker.set_on_done([&] { ++calls; });
  run(worker, {HsCompileJob{0, 1, specs(5, 1), JitMode::kJit},
               HsCompileJob{1, 1, specs(5, 10), JitMode::kJit}});
  EXPECT_EQ(calls.load(), 2);
  EXPECT_FALSE(worker.has_cache());
}

// The owner goes (ivyd stopping) while the detached thread still works: the
// destructor waits for a cache use in progress, and the cache is never used
// again, since the process may be tearing down the libraries behind it.
TEST(HsCompileWorker, OnceDestroyedItWaitsForTheCacheUseInProgressAndMakesNoOther) {
  auto cache = std::make_shared<GatedCache>();
  auto worker = std::make_unique<HsCompileWorker>(cache);
  worker->submit(HsCompileJob{0, 1, specs(200, 1), JitMode::kJit});
  ASSERT_TRUE(cache->wait_entered());
  std::atomic<bool> destroyed{false};
  std::thread owner([&] {
    worker.reset();
    destroyed = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(destroyed) << "the destructor returned while the cache was in use";
  cache->release();
  owner.join();
  EXPECT_TRUE(destroyed);
  const int uses = cache->uses();
  // The compile goes on detached; the store that would follow it must not come.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(cache->uses(), uses);
}

}  // namespace
}  // namespace ivy::test
