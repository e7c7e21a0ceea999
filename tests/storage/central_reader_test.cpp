#include "storage/central_reader.hpp"

#include <gtest/gtest.h>

#include "storage/pg_central_store.hpp"
#include "tests/storage/pg_test_server.hpp"

namespace ivy::storage {
namespace {

using testing::PgTestDatabase;

// Two sites: "north" (agents N1, N2) and "south" (agent S1), each one file.
// Messages at the times given, each received by the other agent of its site
// (north) or by nobody (south).
class CentralReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(db_.error(), "");
    PgConnection::Options options;
    options.url = db_.url();
    store_ = std::make_unique<PgCentralStore>(options);
    ASSERT_TRUE(store_->open());
    north_ = *store_->file("north", "rec-1.db", 100);
    south_ = *store_->file("south", "rec-1.db", 100);
    ShipBatch n;
    n.recordings = {RecordingRow{1, 100, std::nullopt, "hn", "b", "v", "d"}};
    n.agents = {agent(1, "N1"), agent(2, "N2")};
    n.subscriptions = {SubscriptionRow{1, 2, 9, "^(.*)", 100, std::nullopt}};
    n.events = {EventRow{1, 110, 0, "join", 1, 0, std::nullopt, std::nullopt},
                EventRow{2, 111, 0, "bind", 2, 9, "^(.*)", std::nullopt}};
    for (int i = 1; i <= 5; ++i) {
      n.messages.push_back(MessageRow{i, 1000 + 20 * i, 0, 1, "north " + std::to_string(i), {}, {}});
      n.receivers.push_back(ReceiverRow{i, 2, 9});
    }
    ship(north_, n);
    ShipBatch s;
    s.recordings = {RecordingRow{1, 100, std::nullopt, "hs", "b", "v", "d"}};
    s.agents = {agent(1, "S1")};
    for (int i = 1; i <= 5; ++i) s.messages.push_back(MessageRow{i, 1010 + 20 * i, 0, 1, "south " + std::to_string(i), {}, {}});
    ship(south_, s);
  }
  static AgentRow agent(std::int64_t id, const std::string& name) {
    return AgentRow{id, 1, id, "app-" + name, name, "h", 4000, "127:2010", 100, std::nullopt, std::nullopt};
  }
  // Ships `batch` as the next rows of `file` (ids after what it has).
  void ship(CentralFile& file, ShipBatch batch) {
    batch.to = file.position;
    if (!batch.recordings.empty()) batch.to.recording = batch.recordings.back().id;
    if (!batch.agents.empty()) batch.to.agent = batch.agents.back().id;
    if (!batch.subscriptions.empty()) batch.to.subscription = batch.subscriptions.back().id;
    if (!batch.messages.empty()) batch.to.message = batch.messages.back().id;
    if (!batch.events.empty()) batch.to.event = batch.events.back().id;
    for (const auto& m : batch.messages) batch.last_row_ns = std::max(batch.last_row_ns, m.wall_ns);
    for (const auto& e : batch.events) batch.last_row_ns = std::max(batch.last_row_ns, e.wall_ns);
    auto s = store_->ship(file.id, file.position, batch, 1);
    ASSERT_TRUE(s) << s.error().message;
    file.apply(batch);
  }
  std::unique_ptr<CentralReader> reader(std::vector<std::string> sites = {}) {
    auto r = CentralReader::open(db_.url(), std::move(sites));
    EXPECT_TRUE(r) << r.error().message;
    return r ? std::move(*r) : nullptr;
  }
  static std::vector<std::string> texts(const QueryResult& r) {
    std::vector<std::string> out;
    for (const auto& e : r.entries) out.push_back(e.kind == EntryKind::kMsg ? e.text : std::string(to_string(e.kind)));
    return out;
  }

  PgTestDatabase db_;
  std::unique_ptr<PgCentralStore> store_;
  CentralFile north_, south_;
};

TEST_F(CentralReaderTest, ReadsEverySiteInTimeOrderWithItsSite) {
  auto r = reader()->query({});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(texts(*r), (std::vector<std::string>{"join", "bind", "north 1", "south 1", "north 2", "south 2", "north 3",
                                                 "south 3", "north 4", "south 4", "north 5", "south 5"}));
  const Entry& first = r->entries[2];
  EXPECT_EQ(first.site, "north");
  EXPECT_EQ(first.file, "rec-1.db");
  EXPECT_EQ(first.agent.name, "N1");
  EXPECT_EQ(first.agent.app_id, "app-N1");
  ASSERT_EQ(first.receivers.size(), 1u);
  EXPECT_EQ(first.receivers[0].name, "N2");
  EXPECT_EQ(first.receivers[0].regexp_id, 9);
  EXPECT_EQ(r->entries[3].site, "south");
  EXPECT_TRUE(r->entries[3].receivers.empty());
  EXPECT_EQ(r->entries[1].text, "^(.*)");
  EXPECT_EQ(r->entries[1].code, 9);
}

TEST_F(CentralReaderTest, FiltersBySiteAgentKindTimeAndText) {
  auto south = reader({"south"})->query({});
  ASSERT_TRUE(south);
  EXPECT_EQ(south->entries.size(), 5u);
  QueryFilter f;
  f.agent = "N1";
  f.kinds = kind_bit(EntryKind::kMsg);
  f.since_ns = 1040;
  f.until_ns = 1080;
  EXPECT_EQ(texts(*reader()->query(f)), (std::vector<std::string>{"north 2", "north 3"}));
  QueryFilter text;
  text.text_regex = "^south [24]$";
  EXPECT_EQ(texts(*reader()->query(text)), (std::vector<std::string>{"south 2", "south 4"}));
  QueryFilter binds;
  binds.kinds = kind_bit(EntryKind::kBind);
  EXPECT_EQ(texts(*reader({"north", "south"})->query(binds)), std::vector<std::string>{"bind"});
  EXPECT_FALSE(reader()->query([] { QueryFilter b; b.text_regex = "("; return b; }()));
}

TEST_F(CentralReaderTest, PagesContinueWhereTheLastOneStopped) {
  auto r = reader();
  QueryFilter f;
  f.limit = 5;
  std::vector<std::string> all;
  for (int page = 0; page < 4; ++page) {
    auto p = r->query(f);
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_LE(p->entries.size(), 5u);
    for (const auto& t : texts(*p)) all.push_back(t);
    f.after = p->next;
  }
  EXPECT_EQ(all.size(), 12u);
  EXPECT_EQ(all.back(), "south 5");
}

TEST_F(CentralReaderTest, RowsShippedLateAreReturnedOnceWhenFollowing) {
  auto r = reader();
  QueryFilter f;
  auto first = r->query(f);
  ASSERT_TRUE(first);
  f.after = first->next;
  EXPECT_TRUE(r->query(f)->entries.empty());
  // South ships its backlog: older than everything read, and one newer row.
  ShipBatch s;
  s.messages = {MessageRow{6, 1005, 0, 1, "south late", {}, {}}, MessageRow{7, 2000, 0, 1, "south new", {}, {}}};
  ship(south_, s);
  auto next = r->query(f);
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(texts(*next), (std::vector<std::string>{"south late", "south new"}));
  f.after = next->next;
  EXPECT_TRUE(r->query(f)->entries.empty());
}

TEST_F(CentralReaderTest, FilesDeletedBeforeShippingAreGaps) {
  auto retired = store_->retire(south_.id, JournalExtent{9, 0, 1500}, 7);
  ASSERT_TRUE(retired);
  QueryFilter f;
  f.kinds = kind_bit(EntryKind::kGap);
  auto r = reader()->query(f);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->entries.size(), 1u);
  const Entry& gap = r->entries[0];
  EXPECT_EQ(gap.site, "south");
  EXPECT_EQ(gap.code, 4);
  EXPECT_EQ(gap.wall_ns, 1110);
  EXPECT_EQ(gap.end_ns, 1500);
  EXPECT_EQ(gap.text, "not shipped");
}

TEST_F(CentralReaderTest, SummarizesPerSite) {
  auto s = reader()->summary();
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->sites.size(), 2u);
  EXPECT_EQ(s->sites[0].site, "north");
  EXPECT_EQ(s->sites[0].files, 1);
  EXPECT_EQ(s->sites[0].last_row_ns, 1100);
  EXPECT_EQ(s->messages, 10);
  EXPECT_EQ(s->receivers, 5);
  EXPECT_EQ(s->events, 2);
  EXPECT_EQ(s->first_ns, 1020);
  EXPECT_EQ(s->last_ns, 1110);
  EXPECT_EQ(s->runs.size(), 2u);
  ASSERT_EQ(s->per_agent.size(), 2u);
  EXPECT_EQ(s->per_agent[0].messages, 5);
  EXPECT_GT(s->bytes, 0u);
  auto north = reader({"north"})->summary();
  EXPECT_EQ(north->messages, 5);
  EXPECT_EQ(north->sites.size(), 1u);
}

TEST_F(CentralReaderTest, OpensOnlyAStoreItCanRead) {
  PgTestDatabase empty;
  auto none = CentralReader::open(empty.url(), {});
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("no ivyd tables"), std::string::npos);
  ASSERT_EQ(db_.exec("UPDATE ivyd_schema SET version = 42"), "");
  auto newer = CentralReader::open(db_.url(), {});
  ASSERT_FALSE(newer);
  EXPECT_NE(newer.error().message.find("version 42, newer than this ivyctl's"), std::string::npos);
}

TEST_F(CentralReaderTest, SubscriptionsWithTheirDeliveriesAndSite) {
  auto all = reader()->subscriptions();
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), 1u);
  const SubscriptionUse& u = (*all)[0];
  EXPECT_EQ(u.bus, "north/127:2010");
  EXPECT_EQ(u.agent, "N2");
  EXPECT_EQ(u.app_id, "app-N2");
  EXPECT_EQ(u.regexp_id, 9);
  EXPECT_EQ(u.pattern, "^(.*)");
  EXPECT_EQ(u.first_added_ns, 100);
  EXPECT_EQ(u.deliveries, 5);
  auto south = reader({"south"})->subscriptions();
  ASSERT_TRUE(south) << south.error().message;
  EXPECT_TRUE(south->empty());
}

TEST_F(CentralReaderTest, SubscriptionsSeededAgainAreOneAndAReboundIdCountsItsOwnLifetime) {
  // A second north file: N2 seeded again with ^(.*) until 2050, then id 9
  // re-bound to ^b; three messages, two before the change.
  CentralFile second = *store_->file("north", "rec-2.db", 2000);
  ShipBatch b;
  b.recordings = {RecordingRow{1, 2000, std::nullopt, "hn", "b", "v", "d"}};
  b.agents = {agent(1, "N1"), agent(2, "N2")};
  b.subscriptions = {SubscriptionRow{1, 2, 9, "^(.*)", 2000, 2050}, SubscriptionRow{2, 2, 9, "^b", 2050, std::nullopt}};
  for (int i = 1; i <= 3; ++i) {
    b.messages.push_back(MessageRow{i, 2000 + 20 * i, 0, 1, "b " + std::to_string(i), {}, {}});
    b.receivers.push_back(ReceiverRow{i, 2, 9});
  }
  ship(second, b);
  auto uses = reader({"north"})->subscriptions();
  ASSERT_TRUE(uses) << uses.error().message;
  ASSERT_EQ(uses->size(), 2u);
  EXPECT_EQ((*uses)[0].pattern, "^(.*)");
  EXPECT_EQ((*uses)[0].deliveries, 5 + 2);
  EXPECT_EQ((*uses)[0].first_added_ns, 100);
  EXPECT_EQ((*uses)[1].pattern, "^b");
  EXPECT_EQ((*uses)[1].deliveries, 1);
}

TEST_F(CentralReaderTest, MessageCountsPerBucketOfTheSitesRead) {
  // north at 1020..1100, south at 1030..1110 (every 20 ns).
  auto all = reader()->message_counts(1000, 1200, 2);
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(*all, (std::vector<std::int64_t>{8, 2}));
  auto north = reader({"north"})->message_counts(1000, 1200, 4);
  ASSERT_TRUE(north) << north.error().message;
  EXPECT_EQ(*north, (std::vector<std::int64_t>{2, 2, 1, 0}));
  auto none = reader()->message_counts(0, 1000, 3);
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, (std::vector<std::int64_t>{0, 0, 0}));
  EXPECT_TRUE(reader()->message_counts(1200, 1000, 3)->size() == 3u);
}

TEST(RecordingReader, PicksTheStoreByTheLocation) {
  EXPECT_TRUE(is_central_location("postgresql://h/db"));
  EXPECT_TRUE(is_central_location("postgres://h/db"));
  EXPECT_FALSE(is_central_location("/var/lib/ivyd/ivyd.db"));
  auto local_with_site = open_recording_reader("/nonexistent.db", {"x"});
  ASSERT_FALSE(local_with_site);
  EXPECT_NE(local_with_site.error().message.find("--site applies to a central store"), std::string::npos);
}

}  // namespace
}  // namespace ivy::storage
