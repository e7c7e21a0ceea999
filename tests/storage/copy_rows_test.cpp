#include "storage/copy_rows.hpp"

#include <gtest/gtest.h>

namespace ivy::storage {
namespace {

TEST(CopyRows, WritesTabSeparatedRowsWithNulls) {
  CopyRows rows;
  rows.add(std::int64_t{7}).add("hello").add_null().add(std::int64_t{-12}).end_row();
  rows.add_or_null("").add_or_null("x").end_row();
  EXPECT_EQ(rows.data(), "7\thello\t\\N\t-12\n\\N\tx\n");
  EXPECT_EQ(rows.rows(), 2u);
  EXPECT_EQ(rows.repaired_rows(), 0u);
}

TEST(CopyRows, EscapesTheCharactersCopyGivesAMeaning) {
  CopyRows rows;
  rows.add(std::string_view("a\\b\tc\nd\re \\N")).end_row();
  EXPECT_EQ(rows.data(), "a\\\\b\\tc\\nd\\re \\\\N\n");
}

TEST(CopyRows, ValidUtf8PassesUnchanged) {
  CopyRows rows;
  rows.add("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x9A\x80").end_row();
  EXPECT_EQ(rows.data(), "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x9A\x80\n");
  EXPECT_EQ(rows.repaired_rows(), 0u);
}

TEST(CopyRows, InvalidBytesAndNulBecomeReplacementCharacters) {
  CopyRows rows;
  rows.add(std::string_view("a\xFF" "b\0c", 5)).add("\xC3").end_row();
  rows.add("fine").end_row();
  EXPECT_EQ(rows.data(), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c\t\xEF\xBF\xBD\nfine\n");
  EXPECT_EQ(rows.repaired_rows(), 1u);
}

TEST(CopyRows, ClearStartsAfresh) {
  CopyRows rows;
  rows.add("\xFF").end_row();
  rows.clear();
  rows.add(std::int64_t{1}).end_row();
  EXPECT_EQ(rows.data(), "1\n");
  EXPECT_EQ(rows.rows(), 1u);
  EXPECT_EQ(rows.repaired_rows(), 0u);
}

TEST(Utf8, RejectsOverlongSurrogatesAndOutOfRange) {
  EXPECT_EQ(valid_utf8_prefix("\xC0\xAF"), 0u);          // overlong '/'
  EXPECT_EQ(valid_utf8_prefix("\xE0\x80\xAF"), 0u);      // overlong
  EXPECT_EQ(valid_utf8_prefix("\xED\xA0\x80"), 0u);      // surrogate U+D800
  EXPECT_EQ(valid_utf8_prefix("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(valid_utf8_prefix("ok\xE2\x82"), 2u);        // truncated at the end
  EXPECT_EQ(valid_utf8_prefix("\xF4\x8F\xBF\xBF"), 4u);  // U+10FFFF itself
}

TEST(Utf8, RepairReplacesEachBadByte) {
  EXPECT_EQ(repair_utf8("x\xE2\x82y"), "x\xEF\xBF\xBD\xEF\xBF\xBDy");
  EXPECT_EQ(repair_utf8("plain"), "plain");
}

}  // namespace
}  // namespace ivy::storage
