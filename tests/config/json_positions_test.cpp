#include "config/json_positions.hpp"

#include <gtest/gtest.h>

namespace ivy::config {
namespace {

TEST(JsonPositions, FindsNestedValuesAndKeys) {
  const char* text =
      "{\n"
      "  \"buses\": [\n"
      "    {\"spec\": \"127:2010\"},\n"
      "    {\"spec\": 12}\n"
      "  ],\n"
      "  \"recorder\": {\"path\": \"x.db\"}\n"
      "}\n";
  JsonPositions positions = JsonPositions::index(text);
  EXPECT_EQ(positions.value(""), (TextPosition{1, 1}));
  EXPECT_EQ(positions.key("buses"), (TextPosition{2, 3}));
  EXPECT_EQ(positions.value("buses"), (TextPosition{2, 12}));
  EXPECT_EQ(positions.value("buses[0]"), (TextPosition{3, 5}));
  EXPECT_EQ(positions.value("buses[1].spec"), (TextPosition{4, 14}));
  EXPECT_EQ(positions.key("buses[1].spec"), (TextPosition{4, 6}));
  EXPECT_EQ(positions.value("recorder.path"), (TextPosition{6, 24}));
  EXPECT_FALSE(positions.value("buses[2]"));
}

TEST(JsonPositions, NearestFallsBackToTheEnclosingValue) {
  JsonPositions positions = JsonPositions::index("{\"bridges\": [ {\"id\": \"x\"} ]}");
  EXPECT_EQ(positions.nearest("bridges[0].bus"), (TextPosition{1, 15}));
  EXPECT_EQ(positions.nearest("missing.deeper[3]"), (TextPosition{1, 1}));
}

TEST(JsonPositions, StringsWithBracesAndEscapesDoNotConfuseTheScan) {
  const char* text = R"({"a": "}{][,\"", "b\"c": {"d": [1, "]", true]}, "e": null})";
  JsonPositions positions = JsonPositions::index(text);
  EXPECT_EQ(positions.value("e"), (TextPosition{1, 54}));
  EXPECT_EQ(positions.value("[\"b\"c\"].d[2]"), (TextPosition{1, 41}));
}

TEST(JsonPositions, DecodesUnicodeEscapesInKeys) {
  JsonPositions positions = JsonPositions::index(R"({"caf\u00e9": 1, "\ud83d\ude00": 2})");
  EXPECT_TRUE(positions.value("[\"caf\xc3\xa9\"]"));
  EXPECT_TRUE(positions.value("[\"\xf0\x9f\x98\x80\"]"));
}

TEST(JsonPositions, ReportsRepeatedKeysAndKeepsTheLastPosition) {
  JsonPositions positions = JsonPositions::index("{\"a\": 1,\n \"a\": 2}");
  ASSERT_EQ(positions.duplicate_keys().size(), 1u);
  EXPECT_EQ(positions.duplicate_keys()[0], "a");
  EXPECT_EQ(positions.key("a"), (TextPosition{2, 2}));
}

TEST(JsonPositions, SkipsAByteOrderMark) {
  JsonPositions positions = JsonPositions::index("\xEF\xBB\xBF{\"a\": 1}");
  EXPECT_EQ(positions.value("a"), (TextPosition{1, 7}));
}

TEST(JsonPositions, TruncatedTextIndexesWhatItCan) {
  for (const char* text :
       {"{\"a\": [1, {\"b", "{\"a\": \"\\", "{\"a\": \"\\u12", "[", "", "{\"a\""}) {
    JsonPositions positions = JsonPositions::index(text);
    EXPECT_TRUE(positions.value("")) << text;
  }
  EXPECT_TRUE(JsonPositions::index("{\"a\": [1, {\"b").value("a[0]"));
}

TEST(JsonPositions, PathSpelling) {
  EXPECT_EQ(child_path("", "buses"), "buses");
  EXPECT_EQ(child_path("recorder", "path"), "recorder.path");
  EXPECT_EQ(child_path("x", "a b"), "x[\"a b\"]");
  EXPECT_EQ(index_path("buses", 3), "buses[3]");
  EXPECT_EQ(parent_path("buses[1].spec"), "buses[1]");
  EXPECT_EQ(parent_path("buses[1]"), "buses");
  EXPECT_EQ(parent_path("x[\"a.b\"]"), "x");
  EXPECT_EQ(parent_path("buses"), "");
}

TEST(JsonPositions, OffsetToLineAndColumn) {
  EXPECT_EQ(position_at_offset("ab\ncd", 0), (TextPosition{1, 1}));
  EXPECT_EQ(position_at_offset("ab\ncd", 4), (TextPosition{2, 2}));
  EXPECT_EQ(position_at_offset("ab", 99), (TextPosition{1, 3}));
}

}  // namespace
}  // namespace ivy::config
