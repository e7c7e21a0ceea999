// The selection options shared by query, export and replay
// (daemon/ivyctl/filter_options.cpp): times, kinds, and errors that name the
// option at fault.
#include "daemon/ivyctl/filter_options.hpp"

#include <gtest/gtest.h>

namespace ivy::ctl {
namespace {

constexpr std::int64_t kSecondNs = 1'000'000'000;
constexpr std::int64_t kNow = 1'795'600'800 * kSecondNs;  // 2026-11-25T10:00:00Z

storage::QueryFilter built(const FilterOptions& o) {
  auto f = build_filter(o, kNow);
  EXPECT_TRUE(f) << (f ? "" : f.error().message);
  return f ? *f : storage::QueryFilter{};
}

std::string error_of(const FilterOptions& o) {
  auto f = build_filter(o, kNow);
  EXPECT_FALSE(f);
  return f ? "" : f.error().message;
}

TEST(FilterOptions, DefaultsSelectEverything) {
  const auto f = built({});
  EXPECT_FALSE(f.since_ns);
  EXPECT_FALSE(f.until_ns);
  EXPECT_EQ(f.kinds, storage::kAllKinds);
  EXPECT_EQ(f.agent, "");
  EXPECT_EQ(f.text_regex, "");
  EXPECT_EQ(f.limit, 0u);
}

TEST(FilterOptions, RelativeTimesCountFromNow) {
  FilterOptions o;
  o.since = "-10m";
  o.until = "-30s";
  const auto f = built(o);
  EXPECT_EQ(f.since_ns, kNow - 600 * kSecondNs);
  EXPECT_EQ(f.until_ns, kNow - 30 * kSecondNs);
}

TEST(FilterOptions, IsoTimesWithAZoneAreExact) {
  FilterOptions o;
  o.since = "2026-11-25T09:00:00Z";
  o.until = "2026-11-25T12:30:00+02:00";
  const auto f = built(o);
  EXPECT_EQ(f.since_ns, kNow - 3600 * kSecondNs);
  EXPECT_EQ(f.until_ns, kNow + 30 * 60 * kSecondNs);  // 12:30+02:00 = 10:30Z
}

TEST(FilterOptions, IsoTimeWithoutZoneIsLocal) {
  FilterOptions o;
  o.since = "2026-11-25T10:00:00";
  EXPECT_EQ(built(o).since_ns, kNow - std::int64_t{local_utc_offset_s()} * kSecondNs);
}

TEST(FilterOptions, UnixSecondsAreAccepted) {
  FilterOptions o;
  o.since = "@1795600800";
  EXPECT_EQ(built(o).since_ns, kNow);
}

TEST(FilterOptions, BadSinceNamesTheOption) {
  FilterOptions o;
  o.since = "yesterdayish";
  const auto e = error_of(o);
  EXPECT_EQ(e.rfind("--since: ", 0), 0u) << e;
  EXPECT_NE(e.find("yesterdayish"), std::string::npos) << e;
}

TEST(FilterOptions, BadUntilNamesTheOption) {
  FilterOptions o;
  o.until = "-10x";
  const auto e = error_of(o);
  EXPECT_EQ(e.rfind("--until: ", 0), 0u) << e;
}

TEST(FilterOptions, KindListSelectsThoseKinds) {
  FilterOptions o;
  o.kind = "join,leave";
  EXPECT_EQ(built(o).kinds, storage::kind_bit(storage::EntryKind::kJoin) | storage::kind_bit(storage::EntryKind::kLeave));
  o.kind = "msg";
  EXPECT_EQ(built(o).kinds, storage::kind_bit(storage::EntryKind::kMsg));
  o.kind = "all";
  EXPECT_EQ(built(o).kinds, storage::kAllKinds);
}

TEST(FilterOptions, UnknownKindNamesTheOptionAndTheChoices) {
  FilterOptions o;
  o.kind = "msg,bogus";
  const auto e = error_of(o);
  EXPECT_EQ(e.rfind("--kind: ", 0), 0u) << e;
  EXPECT_NE(e.find("msg,bogus"), std::string::npos) << e;
  EXPECT_NE(e.find("join"), std::string::npos) << e;
}

TEST(FilterOptions, AgentMatchAndLimitAreCopied) {
  FilterOptions o;
  o.agent = "ALPHA";
  o.match = "^pos";
  o.limit = 3;
  const auto f = built(o);
  EXPECT_EQ(f.agent, "ALPHA");
  EXPECT_EQ(f.text_regex, "^pos");
  EXPECT_EQ(f.limit, 3u);
}

TEST(FilterOptions, AddsTheSharedOptionsAndKindOnlyWhenAsked) {
  FilterOptions o;
  boost::program_options::options_description with_kind;
  add_filter_options(with_kind, o, true);
  for (const char* name : {"db", "since", "until", "agent", "match", "limit", "kind"}) {
    EXPECT_NE(with_kind.find_nothrow(name, false), nullptr) << name;
  }
  boost::program_options::options_description without_kind;
  add_filter_options(without_kind, o, false);
  EXPECT_EQ(without_kind.find_nothrow("kind", false), nullptr);
}

}  // namespace
}  // namespace ivy::ctl
