#include "storage/subscription_usage.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "storage/reader.hpp"
#include "storage/recording_file.hpp"
#include "storage/sqlite_recorder.hpp"
#include "tests/storage/test_support.hpp"

namespace ivy::storage {
namespace {

using namespace testing;
using namespace std::chrono_literals;

const SubscriptionUse* find(const std::vector<SubscriptionUse>& uses, const std::string& agent,
                            std::int32_t id, const std::string& pattern) {
  auto it = std::find_if(uses.begin(), uses.end(), [&](const SubscriptionUse& u) {
    return u.agent == agent && u.regexp_id == id && u.pattern == pattern;
  });
  return it == uses.end() ? nullptr : &*it;
}

TEST(SubscriptionUsage, CountsDeliveriesPerSubscriptionAndSplitsARebindById) {
  TempDir dir;
  auto file = RecordingFile::open(dir.file("one.db"), {"h", "b", "v", "d"}, 0, LiveState{});
  ASSERT_TRUE(file);
  std::vector<Record> batch{join(1, "A", 1),       join(2, "B", 1),
                            join(3, "C", 1),       bind(2, 1, "^pos (.*)", 2),
                            bind(3, 0, "(.*)", 2), bind(2, 2, "^never", 2)};
  for (int i = 0; i < 5; ++i)
    batch.push_back(message(1, "pos " + std::to_string(i), 10 + i, {{2, 1}, {3, 0}}));
  batch.push_back(unbind(3, 0, 40));
  batch.push_back(bind(3, 0, "^other", 41));  // the same id, another pattern
  batch.push_back(message(1, "other", 50, {{3, 0}}));
  ASSERT_TRUE((*file)->write(batch));
  file->reset();

  auto uses = subscription_usage({dir.file("one.db")});
  ASSERT_TRUE(uses) << uses.error().message;
  ASSERT_EQ(uses->size(), 4u);
  ASSERT_TRUE(find(*uses, "B", 1, "^pos (.*)"));
  EXPECT_EQ(find(*uses, "B", 1, "^pos (.*)")->deliveries, 5);
  EXPECT_EQ(find(*uses, "C", 0, "(.*)")->deliveries, 5);
  EXPECT_EQ(find(*uses, "C", 0, "^other")->deliveries, 1);
  EXPECT_EQ(find(*uses, "B", 2, "^never")->deliveries, 0);
  const auto* b = find(*uses, "B", 1, "^pos (.*)");
  EXPECT_EQ(b->app_id, "app-B");
  EXPECT_EQ(b->bus, "127:2010");
  EXPECT_EQ(b->first_added_ns, 2);
  EXPECT_EQ(uses->front().pattern, "^pos (.*)") << "in the order first seen";
}

// A rotated set: the later files are seeded with the live subscription (no
// bind event there); it is one subscription, its deliveries summed.
TEST(SubscriptionUsage, OneSubscriptionAcrossRotatedFiles) {
  TempDir dir;
  SqliteRecorderOptions o;
  o.path = dir.file("ivyd.db");
  o.rotate_bytes = 48 * 1024;
  o.batch_interval = 5ms;
  {
    SqliteRecorder rec(o);
    ASSERT_TRUE(rec.try_append(join(1, "A")));
    ASSERT_TRUE(rec.try_append(join(2, "B")));
    ASSERT_TRUE(rec.try_append(bind(2, 7, "^m (\\d+)", 2)));
    for (int i = 0; i < 3000; ++i) {
      while (!rec.try_append(message(1, "m " + std::to_string(i), 100 + i, {{2, 7}})))
        std::this_thread::yield();
    }
    ASSERT_TRUE(rec.flush(10s).ok());
    rec.close();
  }
  auto reader = Reader::open(o.path);
  ASSERT_TRUE(reader);
  ASSERT_GE(reader->files().size(), 2u) << "the test needs a rotation";
  auto uses = reader->subscriptions();
  ASSERT_TRUE(uses) << uses.error().message;
  ASSERT_EQ(uses->size(), 1u);
  EXPECT_EQ((*uses)[0].deliveries, 3000);
  EXPECT_EQ((*uses)[0].pattern, "^m (\\d+)");
}

TEST(SubscriptionUsage, MissingFileIsAnError) {
  TempDir dir;
  EXPECT_FALSE(subscription_usage({dir.file("none.db")}));
}

}  // namespace
}  // namespace ivy::storage
