// The generator's throughput scenario must be what the benchmarks say it is:
// each built message matches the regexp it was built for, the extra ones
// match nothing.
#include "tests/core/ivy_traffic_generator.hpp"

#include <gtest/gtest.h>

#include "core/pcre_matcher.hpp"

namespace ivy::test {
namespace {

TEST(IvyTrafficGenerator, EveryThroughputMessageMatchesItsPatternAndTheOthersNothing) {
  const auto patterns = IvyTrafficGenerator::throughput_patterns(600);
  const auto messages = IvyTrafficGenerator::throughput_messages(600, 200);
  ASSERT_EQ(messages.size(), 800u);
  PcreMatcher matcher;
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    ASSERT_TRUE(matcher.add(1, static_cast<int>(i), patterns[i]).ok()) << patterns[i];
  }
  std::size_t built = 0;
  std::vector<Hit> hits;
  for (const auto& message : messages) {
    hits.clear();
    matcher.match(message, CaptureMode::kAllGroups, hits);
    if (message.rfind("NoSubscriber ", 0) == 0) {
      EXPECT_TRUE(hits.empty()) << message;
      continue;
    }
    const int own = static_cast<int>(built++);
    EXPECT_TRUE(
        std::any_of(hits.begin(), hits.end(), [&](const Hit& h) { return h.regexp_id == own; }))
        << message << " does not match " << patterns[own];
  }
  EXPECT_EQ(built, patterns.size());
}

}  // namespace
}  // namespace ivy::test
