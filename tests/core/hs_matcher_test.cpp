#include "core/hs_matcher.hpp"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/pcre_matcher.hpp"
#include "tests/core/ivy_traffic_generator.hpp"
#include "tests/core/matcher_contract.hpp"
#include "tests/core/memory_database_cache.hpp"

namespace ivy::test {
namespace {

using std::chrono::steady_clock;

// Side list only: the triggers are never reached by these small tests.
struct SideListSetup {
  static std::unique_ptr<Matcher> make() { return std::make_unique<HyperscanMatcher>(); }
  static void settle(Matcher&) {}
};

// Every pattern in a Hyperscan database (or the fallback list) before matching.
struct CompiledSetup {
  static std::unique_ptr<Matcher> make() { return std::make_unique<HyperscanMatcher>(); }
  static void settle(Matcher& m) { static_cast<HyperscanMatcher&>(m).flush(); }
};

INSTANTIATE_TYPED_TEST_SUITE_P(HyperscanMatcherSideList, MatcherContract, SideListSetup);
INSTANTIATE_TYPED_TEST_SUITE_P(HyperscanMatcherCompiled, MatcherContract, CompiledSetup);

std::vector<Hit> match(Matcher& m, std::string_view text,
                       CaptureMode mode = CaptureMode::kAllGroups) {
  std::vector<Hit> hits;
  m.match(text, mode, hits);
  return hits;
}

void add_shapes(HyperscanMatcher& m, int n) {
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(m.add(1, i, IvyTrafficGenerator::pattern(i, 1000 + i)).ok());
  }
}

TEST(HyperscanMatcher, CompilesPatternsIntoShardsAndFallback) {
  HyperscanMatcher m(HyperscanMatcherOptions{.shard_capacity = 50});
  add_shapes(m, 120);
  m.flush();
  const MatcherStats s = m.stats();
  EXPECT_EQ(s.shards, 3u);
  EXPECT_EQ(s.side_list_patterns, 0u);
  EXPECT_EQ(s.hyperscan_patterns + s.fallback_patterns, 120u);
  EXPECT_GT(s.prefilter_patterns, 0u);  // back-references, lookarounds, ...
  EXPECT_GT(s.fallback_patterns, 0u);   // \K, (?|, embedded $
  EXPECT_GT(s.database_bytes, 0u);
  EXPECT_GT(s.scratch_bytes, 0u);
}

TEST(HyperscanMatcher, NewSubscriptionMatchesBeforeCompileFinishes) {
  HyperscanMatcher m;
  add_shapes(m, 100);
  m.flush();
  ASSERT_TRUE(m.add(2, 0, "^Fresh (\\d+)").ok());
  EXPECT_EQ(match(m, "Fresh 42"), (std::vector<Hit>{{2, 0, {"42"}}}));
  EXPECT_EQ(m.stats().side_list_patterns, 1u);
  m.flush();
  EXPECT_EQ(m.stats().side_list_patterns, 0u);
  EXPECT_EQ(match(m, "Fresh 42"), (std::vector<Hit>{{2, 0, {"42"}}}));
}

TEST(HyperscanMatcher, RemovalTakesEffectBeforeRecompile) {
  HyperscanMatcher m;
  ASSERT_TRUE(m.add(1, 0, "^Gone").ok());
  ASSERT_TRUE(m.add(1, 1, "^Stay").ok());
  m.flush();
  const std::uint64_t compiles = m.stats().compiles;
  m.remove(1, 0);
  EXPECT_TRUE(match(m, "Gone").empty());
  EXPECT_EQ(match(m, "Stay").size(), 1u);
  EXPECT_EQ(m.stats().compiles, compiles);
}

TEST(HyperscanMatcher, ReAddedTextAfterRemovalIsNotDuplicated) {
  HyperscanMatcher m;
  ASSERT_TRUE(m.add(1, 0, "^Echo").ok());
  m.flush();
  m.remove(1, 0);
  ASSERT_TRUE(m.add(1, 0, "^Echo").ok());  // new entry on the side list
  EXPECT_EQ(match(m, "Echo"), (std::vector<Hit>{{1, 0, {}}}));
  m.flush();
  EXPECT_EQ(match(m, "Echo"), (std::vector<Hit>{{1, 0, {}}}));
}

TEST(HyperscanMatcher, CatastrophicPatternOnSideListCountsErrorPromptly) {
  HyperscanMatcher m;
  ASSERT_TRUE(m.add(1, 0, "(a+)+$").ok());
  const auto start = steady_clock::now();
  EXPECT_TRUE(match(m, std::string(10'000, 'a') + "b").empty());
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_EQ(m.match_errors(), 1u);
}

TEST(HyperscanMatcher, CatastrophicCaptureAfterHyperscanHitCountsErrorPromptly) {
  HyperscanMatcher m;
  ASSERT_TRUE(m.add(1, 0, "(a+)+c").ok());
  ASSERT_TRUE(m.add(1, 1, "^a").ok());
  m.flush();
  const auto start = steady_clock::now();
  EXPECT_EQ(match(m, std::string(10'000, 'a') + "bac"), (std::vector<Hit>{{1, 1, {}}}));
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_EQ(m.match_errors(), 1u);
}

TEST(HyperscanMatcher, RequestAnswerChurnDoesNotCompilePerMessage) {
  HyperscanMatcher m;
  add_shapes(m, 100);
  m.flush();
  const std::uint64_t before = m.stats().compiles;
  for (int request = 0; request < 2000; ++request) {
    ASSERT_TRUE(m.add(7, request, "^Answer " + std::to_string(request) + " (.*)").ok());
    EXPECT_EQ(match(m, "Answer " + std::to_string(request) + " ok").size(), 1u);
    m.remove(7, request);
  }
  EXPECT_LE(m.stats().compiles - before, 2u);
}

// The worker is detached, not joined: destroying the matcher while a compile
// runs returns at once and the compile finishes on state it owns.
TEST(HyperscanMatcher, DestructionDuringACompileDoesNotWaitForIt) {
  auto m = std::make_unique<HyperscanMatcher>();
  add_shapes(*m, 300);
  match(*m, "start the compiles");
  const auto start = steady_clock::now();
  m.reset();
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(5));
}

// Both matchers must produce identical hit vectors, in identical order.
void expect_same_hits(Matcher& reference, Matcher& tested, const std::vector<std::string>& texts) {
  std::vector<Hit> expected, actual;
  for (CaptureMode mode : {CaptureMode::kAllGroups, CaptureMode::kStrictC}) {
    for (const std::string& text : texts) {
      expected.clear();
      actual.clear();
      reference.match(text, mode, expected);
      tested.match(text, mode, actual);
      ASSERT_EQ(actual, expected) << "message: " << text;
    }
  }
}

TEST(HyperscanMatcher, GivesTheSameHitsAsPcreOnGeneratedTraffic) {
  IvyTrafficGenerator generator;
  const auto subscriptions = generator.subscriptions(3'200);
  PcreMatcher reference;
  // Shards only: merging 3,200 patterns into a base would take 20-40 s here.
  HyperscanMatcher tested(HyperscanMatcherOptions{.merge_min_shards = 0});
  for (const auto& s : subscriptions) {
    ASSERT_TRUE(reference.add(s.peer, s.regexp_id, s.pattern).ok()) << s.pattern;
    ASSERT_TRUE(tested.add(s.peer, s.regexp_id, s.pattern).ok());
  }
  tested.flush();
  EXPECT_EQ(tested.stats().side_list_patterns, 0u);
  const auto texts = generator.messages(10'000, 3'200);
  expect_same_hits(reference, tested, texts);
  EXPECT_EQ(tested.match_errors(), reference.match_errors());
}

TEST(HyperscanMatcher, GivesTheSameHitsAsPcreWithBaseShardsAndSideList) {
  IvyTrafficGenerator generator(3);
  const auto subscriptions = generator.subscriptions(700);
  PcreMatcher reference;
  HyperscanMatcher tested(HyperscanMatcherOptions{.shard_capacity = 100});
  auto add = [&](std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) {
      const auto& s = subscriptions[i];
      ASSERT_TRUE(reference.add(s.peer, s.regexp_id, s.pattern).ok());
      ASSERT_TRUE(tested.add(s.peer, s.regexp_id, s.pattern).ok());
    }
  };
  add(0, 500);
  tested.flush();  // 5 shards -> merged into the base
  EXPECT_GT(tested.stats().base_patterns, 400u);
  for (std::size_t i = 0; i < 500; i += 7) {
    reference.remove(subscriptions[i].peer, subscriptions[i].regexp_id);
    tested.remove(subscriptions[i].peer, subscriptions[i].regexp_id);
  }
  add(500, 650);
  tested.flush();  // new shards next to the base
  add(650, 700);   // side list
  const MatcherStats s = tested.stats();
  EXPECT_GT(s.shards, 0u);
  EXPECT_GT(s.side_list_patterns, 0u);
  expect_same_hits(reference, tested, generator.messages(3'000, 700));
}

TEST(HyperscanMatcher, BackgroundSwapsNeverLoseOrDuplicateHitsUnderChurn) {
  IvyTrafficGenerator generator(7);
  const auto subscriptions = generator.subscriptions(600, 4);
  PcreMatcher reference;
  std::mutex mutex;  // before `tested`: its worker may call the hook until it is gone
  std::condition_variable delivered;
  std::size_t results = 0;
  HyperscanMatcher tested(HyperscanMatcherOptions{
      .shard_capacity = 40, .side_list_trigger = 4, .age_trigger_messages = 8});
  // Results the worker delivered. On a loaded machine it could get no CPU
  // during the whole loop, so mid-run the loop waits until two results are
  // in: by then ~300 patterns were added and many shard jobs submitted, and
  // the matches that follow install them while the churn goes on.
  tested.set_wakeup([&] {
    std::lock_guard lock(mutex);
    ++results;
    delivered.notify_all();
  });
  auto two_results_in = [&] {
    std::unique_lock lock(mutex);
    return delivered.wait_for(lock, std::chrono::seconds(60), [&] { return results >= 2; });
  };
  std::vector<Hit> expected, actual;
  std::size_t next = 0;
  for (int step = 0; step < 6'000; ++step) {
    if (step == 1'000) {
      ASSERT_TRUE(two_results_in());
    }
    const std::uint32_t action = generator.next(10);
    if (action < 3 && next < subscriptions.size()) {
      const auto& s = subscriptions[next++];
      ASSERT_EQ(reference.add(s.peer, s.regexp_id, s.pattern).ok(),
                tested.add(s.peer, s.regexp_id, s.pattern).ok());
    } else if (action == 3 && next > 0) {
      const auto& s = subscriptions[generator.next(static_cast<std::uint32_t>(next))];
      reference.remove(s.peer, s.regexp_id);
      tested.remove(s.peer, s.regexp_id);
    } else {
      const std::string text = generator.message(600);
      expected.clear();
      actual.clear();
      reference.match(text, CaptureMode::kAllGroups, expected);
      tested.match(text, CaptureMode::kAllGroups, actual);
      ASSERT_EQ(actual, expected) << "step " << step << " message: " << text;
    }
  }
  EXPECT_GE(tested.stats().compiles, 2u);  // swaps happened mid-run
  tested.set_wakeup(nullptr);
  tested.flush();
  expect_same_hits(reference, tested, generator.messages(500, 600));
}

// Runs the matcher as the agent does on a bus with no traffic: batch_done()
// after a handshake, then poll() each time the worker wakes it, until every
// pattern is in Hyperscan or on the fallback list (or `timeout`).
bool settle_without_messages(HyperscanMatcher& m, std::chrono::seconds timeout = std::chrono::seconds(60)) {
  std::mutex mutex;
  std::condition_variable woken;
  int wakeups = 0;
  m.set_wakeup([&] {
    std::lock_guard lock(mutex);
    ++wakeups;
    woken.notify_one();
  });
  m.batch_done();
  const auto deadline = steady_clock::now() + timeout;
  bool settled = false;
  while (!settled && steady_clock::now() < deadline) {
    {
      std::unique_lock lock(mutex);
      woken.wait_until(lock, std::min(deadline, steady_clock::now() + std::chrono::milliseconds(50)),
                       [&] { return wakeups > 0; });
      wakeups = 0;
    }
    m.poll();
    settled = m.stats().side_list_patterns == 0;
  }
  m.set_wakeup(nullptr);
  return settled;
}

struct CachedSet {
  std::shared_ptr<MemoryDatabaseCache> cache = std::make_shared<MemoryDatabaseCache>();
  std::vector<GeneratedSubscription> subscriptions = IvyTrafficGenerator(5).subscriptions(300, 3);
  HyperscanMatcherOptions options{.shard_capacity = 50, .cache = cache};

  // A first run that compiled everything and stored it.
  void warm() {
    HyperscanMatcher first(options);
    for (const auto& s : subscriptions) ASSERT_TRUE(first.add(s.peer, s.regexp_id, s.pattern).ok());
    first.flush();
    ASSERT_GT(first.stats().compiles, 0u);
    ASSERT_GT(first.stats().base_patterns, 0u);
    ASSERT_GT(cache->size(), 0u);
  }
  // The same texts again, in reverse order, under other peer keys.
  void add_again(Matcher& m, PcreMatcher& reference) {
    for (auto it = subscriptions.rbegin(); it != subscriptions.rend(); ++it) {
      ASSERT_TRUE(m.add(it->peer + 10, it->regexp_id, it->pattern).ok());
      ASSERT_TRUE(reference.add(it->peer + 10, it->regexp_id, it->pattern).ok());
    }
  }
};

TEST(HyperscanMatcher, ReturningSetIsInHyperscanFromTheCacheWithoutACompile) {
  CachedSet set;
  set.warm();
  HyperscanMatcher again(set.options);
  PcreMatcher reference;
  set.add_again(again, reference);
  ASSERT_TRUE(settle_without_messages(again));
  const MatcherStats s = again.stats();
  EXPECT_EQ(s.compiles, 0u);
  EXPECT_GE(s.cache_hits, 1u);
  EXPECT_EQ(s.hyperscan_patterns + s.fallback_patterns, s.patterns);
  EXPECT_EQ(s.base_patterns, s.hyperscan_patterns);  // the probe found the whole set's base
  expect_same_hits(reference, again, IvyTrafficGenerator(6).messages(2'000, 300));
}

TEST(HyperscanMatcher, DamagedCacheEntriesAreDroppedAndCompiledAgain) {
  CachedSet set;
  set.warm();
  set.cache->edit_all([](std::string& bytes) { bytes.resize(bytes.size() / 2); });
  HyperscanMatcher again(set.options);
  PcreMatcher reference;
  set.add_again(again, reference);
  ASSERT_TRUE(settle_without_messages(again));
  EXPECT_GT(again.stats().compiles, 0u);
  EXPECT_EQ(again.stats().cache_hits, 0u);
  EXPECT_GT(set.cache->removes(), 0u);
  expect_same_hits(reference, again, IvyTrafficGenerator(6).messages(2'000, 300));
}

TEST(HyperscanMatcher, SmallReturningSetLoadsItsShardFromTheCache) {
  auto cache = std::make_shared<MemoryDatabaseCache>();
  const HyperscanMatcherOptions options{.cache = cache};
  {
    HyperscanMatcher first(options);
    add_shapes(first, 40);
    ASSERT_TRUE(settle_without_messages(first));
    EXPECT_EQ(first.stats().compiles, 1u);
  }
  HyperscanMatcher again(options);
  add_shapes(again, 40);
  ASSERT_TRUE(settle_without_messages(again));
  EXPECT_EQ(again.stats().compiles, 0u);
  EXPECT_EQ(again.stats().cache_hits, 1u);
  EXPECT_EQ(match(again, "AircraftDelete Flight=10007"), (std::vector<Hit>{{1, 0, {"7"}}}));
}

TEST(HyperscanMatcher, StatsCountPatternsAndSubscriptions) {
  HyperscanMatcher m;
  ASSERT_TRUE(m.add(1, 0, "^Same (.*)").ok());
  ASSERT_TRUE(m.add(2, 0, "^Same (.*)").ok());  // one pattern, two holders
  ASSERT_TRUE(m.add(2, 1, "^Other").ok());
  MatcherStats s = m.stats();
  EXPECT_EQ(s.subscriptions, 3u);
  EXPECT_EQ(s.patterns, 2u);
  EXPECT_EQ(s.side_list_patterns, 2u);
  m.flush();
  s = m.stats();
  EXPECT_EQ(s.hyperscan_patterns, 2u);
  EXPECT_EQ(s.side_list_patterns, 0u);
  EXPECT_EQ(s.compiles, 1u);
  EXPECT_EQ(s.cache_hits, 0u);
}

}  // namespace
}  // namespace ivy::test
