#include "storage/query.hpp"

#include <gtest/gtest.h>

namespace ivy::storage {
namespace {

TEST(Query, ParsesKindNames) {
  EXPECT_EQ(parse_entry_kind("msg"), EntryKind::kMsg);
  EXPECT_EQ(parse_entry_kind("unbind"), EntryKind::kUnbind);
  EXPECT_EQ(parse_entry_kind("gap"), EntryKind::kGap);
  EXPECT_EQ(parse_entry_kind("dropped"), EntryKind::kDropped);
  EXPECT_FALSE(parse_entry_kind("message"));
  for (int k = 0; k <= static_cast<int>(EntryKind::kDropped); ++k) {
    EXPECT_EQ(parse_entry_kind(to_string(static_cast<EntryKind>(k))), static_cast<EntryKind>(k));
  }
}

TEST(Query, ParsesKindLists) {
  EXPECT_EQ(parse_kinds("all"), kAllKinds);
  EXPECT_EQ(parse_kinds("join,leave"), kind_bit(EntryKind::kJoin) | kind_bit(EntryKind::kLeave));
  EXPECT_NE(*parse_kinds("all") & kind_bit(EntryKind::kDropped), 0u);
  EXPECT_EQ(parse_kinds("gap,dropped"), kind_bit(EntryKind::kGap) | kind_bit(EntryKind::kDropped));
  EXPECT_FALSE(parse_kinds(""));
  EXPECT_FALSE(parse_kinds("join,nope"));
}

}  // namespace
}  // namespace ivy::storage
