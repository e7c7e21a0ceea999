#include "core/hs_cache_entry.hpp"

#include <algorithm>
#include <vector>

#include <gtest/gtest.h>
#include <hs/hs.h>

namespace ivy {
namespace {

// Exact, prefilter (back-reference) and fallback (\K) patterns, sorted by text.
std::vector<HsPatternSpec> sorted_specs(PatternId first_id) {
  std::vector<HsPatternSpec> specs{{first_id, "^AircraftDelete Flight=(\\d*)"},
                                   {first_id + 1, "^Echo (\\w+) \\1"},
                                   {first_id + 2, "^Key=\\K(\\w+)"},
                                   {first_id + 3, "^TrackMovedEvent Flight=1 X=(\\S+)"},
                                   {first_id + 4, "Callsign=12\\b"}};
  std::sort(specs.begin(), specs.end(),
            [](const auto& a, const auto& b) { return a.text < b.text; });
  return specs;
}

struct Entry {
  std::vector<HsPatternSpec> specs = sorted_specs(1);
  HsBuildResult built = build_hs_database(specs, JitMode::kInterpreter);
  std::string bytes = encode_hs_cache_entry(built, specs);
};

bool scan_finds(const HsDatabase& db, std::string_view text) {
  hs_scratch_t* scratch = nullptr;
  if (hs_alloc_scratch(db.raw(), &scratch) != HS_SUCCESS) return false;
  bool found = false;
  hs_scan(
      db.raw(), text.data(), static_cast<unsigned>(text.size()), 0, scratch,
      [](unsigned, unsigned long long, unsigned long long, unsigned, void* ctx) {
        *static_cast<bool*>(ctx) = true;
        return 0;
      },
      &found);
  hs_free_scratch(scratch);
  return found;
}

TEST(HsCacheEntry, RoundTripsTheDatabaseAndEveryClassUnderThisRunsIds) {
  const Entry entry;
  ASSERT_NE(entry.built.database, nullptr);
  const auto loaded_specs = sorted_specs(100);  // the same texts, other ids
  const auto loaded = decode_hs_cache_entry(entry.bytes, loaded_specs, JitMode::kJit);
  ASSERT_TRUE(loaded.has_value());
  ASSERT_NE(loaded->database, nullptr);
  ASSERT_EQ(loaded->database->patterns().size(), entry.built.database->patterns().size());
  for (std::size_t i = 0; i < loaded->database->patterns().size(); ++i) {
    const HsPatternInfo& before = entry.built.database->patterns()[i];
    const HsPatternInfo& after = loaded->database->patterns()[i];
    EXPECT_EQ(after.id, before.id + 99);
    EXPECT_EQ(after.prefilter, before.prefilter);
  }
  ASSERT_EQ(loaded->fallback.size(), 1u);
  EXPECT_EQ(entry.built.fallback.size(), 1u);
  EXPECT_EQ(loaded->fallback[0], entry.built.fallback[0] + 99);
  EXPECT_TRUE(scan_finds(*loaded->database, "AircraftDelete Flight=42"));
  EXPECT_FALSE(scan_finds(*loaded->database, "nothing subscribed"));
}

TEST(HsCacheEntry, KeyNamesTheSetNotTheIds) {
  EXPECT_EQ(hs_cache_key(sorted_specs(1)), hs_cache_key(sorted_specs(50)));
  auto other = sorted_specs(1);
  other.back().text += "x";
  EXPECT_NE(hs_cache_key(other), hs_cache_key(sorted_specs(1)));
  other.pop_back();
  EXPECT_NE(hs_cache_key(other), hs_cache_key(sorted_specs(1)));
}

TEST(HsCacheEntry, RefusesAnEntryForOtherTexts) {
  const Entry entry;
  auto other = sorted_specs(1);
  other[0].text += " ";
  EXPECT_FALSE(decode_hs_cache_entry(entry.bytes, other, JitMode::kJit).has_value());
  other = sorted_specs(1);
  other.pop_back();
  EXPECT_FALSE(decode_hs_cache_entry(entry.bytes, other, JitMode::kJit).has_value());
}

TEST(HsCacheEntry, RefusesEveryTruncationAndAnAppendedByte) {
  const Entry entry;
  for (std::size_t length = 0; length < entry.bytes.size(); ++length) {
    ASSERT_FALSE(decode_hs_cache_entry(std::string_view(entry.bytes).substr(0, length), entry.specs,
                                       JitMode::kInterpreter)
                     .has_value())
        << "cut at " << length << " of " << entry.bytes.size();
  }
  EXPECT_FALSE(
      decode_hs_cache_entry(entry.bytes + "x", entry.specs, JitMode::kInterpreter).has_value());
}

// An entry written by another Hyperscan (same layout, other version string)
// must not be handed to this one.
TEST(HsCacheEntry, RefusesAnEntryOfAnotherHyperscanVersion) {
  const Entry entry;
  std::string foreign = entry.bytes;
  const std::string version = hs_version();
  const auto at = foreign.find(version);
  ASSERT_NE(at, std::string::npos);
  foreign.replace(at, 1, version[0] == '9' ? "8" : "9");
  EXPECT_FALSE(decode_hs_cache_entry(foreign, entry.specs, JitMode::kInterpreter).has_value());
}

TEST(HsCacheEntry, RefusesDamagedDatabaseBytesAndABadClass) {
  const Entry entry;
  // The serialized database is the tail; Hyperscan checks its header and CRC.
  for (std::size_t back : {1u, 16u, 200u, 1000u}) {
    std::string damaged = entry.bytes;
    ASSERT_GT(damaged.size(), back);
    damaged[damaged.size() - back] = static_cast<char>(damaged[damaged.size() - back] ^ 0x5a);
    EXPECT_FALSE(decode_hs_cache_entry(damaged, entry.specs, JitMode::kInterpreter).has_value())
        << back;
  }
  std::string bad_class = entry.bytes;
  const auto text = bad_class.find(entry.specs[0].text);
  ASSERT_NE(text, std::string::npos);
  bad_class[text + entry.specs[0].text.size()] = 7;
  EXPECT_FALSE(decode_hs_cache_entry(bad_class, entry.specs, JitMode::kInterpreter).has_value());
}

TEST(HsCacheEntry, AllFallbackSetRoundTripsWithoutADatabase) {
  const std::vector<HsPatternSpec> specs{{1, "^a$(0)?"}, {2, "^b\\K(c)"}};
  const HsBuildResult built = build_hs_database(specs, JitMode::kInterpreter);
  ASSERT_EQ(built.database, nullptr);
  const auto loaded =
      decode_hs_cache_entry(encode_hs_cache_entry(built, specs), specs, JitMode::kInterpreter);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->database, nullptr);
  EXPECT_EQ(loaded->fallback, (std::vector<PatternId>{1, 2}));
}

}  // namespace
}  // namespace ivy
