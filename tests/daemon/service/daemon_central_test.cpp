// The real ivyd shipping its recording to a real PostgreSQL (issue 15):
// two sites into one store read back with `ivyctl query`; the server
// stopped mid-stream and ivyd killed with -9 mid-shipment (nothing lost,
// nothing twice); and every way the store can be wrong (a malformed URI, a
// missing database, a wrong password, nobody listening, a schema from a
// newer ivyd) is a clear error while the local recording goes on.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include "tests/daemon/hostile_input_support.hpp"
#include "storage/central_schema.hpp"
#include "tests/storage/pg_test_server.hpp"

namespace ivy::daemon::test {
namespace {

using storage::testing::PgTestDatabase;
using storage::testing::PgTestServer;

constexpr auto kShipTimeout = std::chrono::seconds(30);

std::string central_json(const std::string& url, const std::string& site, const std::string& more = {}) {
  return R"("central": {"url": ")" + url + R"(", "site": ")" + site + R"(", "batch_interval_ms": 50)" + more + "}";
}

IvydSetup central_setup(const std::string& url, const std::string& site, const std::string& more = {}) {
  IvydSetup setup;
  setup.more = central_json(url, site, more);
  return setup;
}

// One site: ivyd shipping to `url` on its own bus, and a healthy pair there.
struct Site {
  Site(asio::io_context& io, Logger& log, const std::string& url, const std::string& name,
       const std::string& more = {})
      : port(unique_bus_port()), ivyd(port, central_setup(url, name, more)), healthy(io, log, port) {}
  ::testing::AssertionResult start() {
    if (!ivyd.start()) return ::testing::AssertionFailure() << "ivyd did not start:\n" << ivyd.log();
    if (!healthy.start()) return ::testing::AssertionFailure() << "the healthy pair did not link:\n" << ivyd.log();
    return ::testing::AssertionSuccess();
  }
  nlohmann::json central() const { return ivyd.status().value("central", nlohmann::json::object()); }

  std::uint16_t port;
  IvydUnderTest ivyd;
  HealthyPair healthy;
};

// "healthy N" messages the store holds (of `site`, or every site), and how
// many of those are duplicates of another.
long long stored(const PgTestDatabase& db, const std::string& site = {}) {
  return db.count("SELECT count(*) FROM messages m JOIN files f ON f.id = m.file_id WHERE m.text LIKE 'healthy %'" +
                  (site.empty() ? std::string() : " AND f.site = '" + site + "'"));
}
long long duplicates(const PgTestDatabase& db) {
  return db.count("SELECT count(*) - count(DISTINCT (f.site, m.text)) FROM messages m JOIN files f ON f.id = m.file_id "
                  "WHERE m.text LIKE 'healthy %'");
}

// `ivyctl query --db <store> --format json` with more arguments.
std::optional<std::vector<nlohmann::json>> query_store(const std::string& url, std::vector<std::string> args) {
  std::vector<std::string> argv{ivy::test::bin_path("ivyctl"), "query", "--db", url, "--format", "json"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string out, err;
  if (ivy::test::run_command(argv, &out, &err) != 0) {
    ADD_FAILURE() << "ivyctl query failed: " << err;
    return std::nullopt;
  }
  std::vector<nlohmann::json> entries;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) entries.push_back(nlohmann::json::parse(line));
  return entries;
}

class DaemonCentralTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(db.error(), ""); }

  asio::io_context io;
  Logger log{LogLevel::kError, Logger::Style::kPlain};
  PgTestDatabase db;
};

TEST_F(DaemonCentralTest, TwoSitesShipIntoOneStoreAndQueryReadsBoth) {
  Site north(io, log, db.url(), "north");
  Site south(io, log, db.url(), "south");
  ASSERT_TRUE(north.start());
  ASSERT_TRUE(south.start());
  north.healthy.send(30);
  south.healthy.send(20);
  ASSERT_TRUE(north.healthy.all_received() && south.healthy.all_received());
  ASSERT_TRUE(ivy::test::eventually([&] { return stored(db) == 50; }, kShipTimeout))
      << stored(db) << "\n" << north.ivyd.log() << south.ivyd.log();
  EXPECT_EQ(stored(db, "north"), 30);
  EXPECT_EQ(stored(db, "south"), 20);

  const auto all = query_store(db.url(), {"--kind", "msg", "--match", "^healthy"});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 50u);
  std::map<std::string, int> per_site;
  for (std::size_t i = 0; i < all->size(); ++i) {
    ++per_site[(*all)[i]["site"].get<std::string>()];
    if (i > 0) {
      EXPECT_LE((*all)[i - 1]["wall_ns"].get<long long>(), (*all)[i]["wall_ns"].get<long long>());
    }
    EXPECT_EQ((*all)[i]["receivers"][0]["name"], "RECV");
  }
  EXPECT_EQ(per_site, (std::map<std::string, int>{{"north", 30}, {"south", 20}}));
  EXPECT_EQ(query_store(db.url(), {"--kind", "msg", "--match", "^healthy", "--site", "south"})->size(), 20u);
  EXPECT_EQ(query_store(db.url(), {"--kind", "msg", "--match", "^healthy", "--site", "south", "--site", "north"})->size(),
            50u);

  std::string text;
  ASSERT_EQ(ivy::test::run_command({ivy::test::bin_path("ivyctl"), "query", "--db", db.url(), "--kind", "msg",
                                    "--match", "^healthy 0$", "--site", "north"},
                                   &text),
            0);
  EXPECT_NE(text.find("[north] SENDER sent 'healthy 0' -> RECV#"), std::string::npos) << text;

  const auto central = north.central();
  EXPECT_EQ(central["site"], "north");
  EXPECT_TRUE(central["connected"].get<bool>());
  EXPECT_TRUE(ivy::test::eventually([&] { return north.central()["backlog_rows"] == 0; }, kShipTimeout));
  EXPECT_GE(north.central()["shipped_messages"].get<long long>(), 30);
  EXPECT_TRUE(north.central()["last_row_ns"].is_number());
  EXPECT_EQ(north.central()["last_error"], "");
}

TEST_F(DaemonCentralTest, StatusAndInfoShowTheStore) {
  Site site(io, log, db.url(), "lab");
  ASSERT_TRUE(site.start());
  site.healthy.send(5);
  ASSERT_TRUE(site.healthy.all_received());
  ASSERT_TRUE(ivy::test::eventually([&] { return stored(db) == 5; }, kShipTimeout)) << site.ivyd.log();
  std::string status;
  ASSERT_EQ(ivy::test::run_command({ivy::test::bin_path("ivyctl"), "status", "--socket", site.ivyd.socket_path()},
                                   &status),
            0);
  EXPECT_NE(status.find("central: " + db.url() + " as site 'lab'"), std::string::npos) << status;
  EXPECT_NE(status.find("last row shipped: 20"), std::string::npos) << status;
  std::string info;
  ASSERT_EQ(ivy::test::run_command({ivy::test::bin_path("ivyctl"), "info", "--db", db.url()}, &info), 0);
  EXPECT_NE(info.find("  lab: 1 file, rows up to"), std::string::npos) << info;
  EXPECT_NE(info.find("SENDER"), std::string::npos) << info;
}

TEST_F(DaemonCentralTest, KilledWhileShippingLosesAndDuplicatesNothing) {
  // Small batches, so that shipping the burst takes many transactions and
  // the kill lands in the middle of them.
  Site site(io, log, db.url(), "lab", R"(, "batch_rows": 5)");
  ASSERT_TRUE(site.start());
  site.ivyd.process().signal(SIGSTOP);  // hold shipping (and recording) while the burst queues up
  site.healthy.send(3000);
  site.ivyd.process().signal(SIGCONT);
  ASSERT_TRUE(site.healthy.all_received(std::chrono::seconds(20)));
  ASSERT_TRUE(ivy::test::eventually([&] { return stored(db) > 0; }, kShipTimeout)) << site.ivyd.log();
  site.ivyd.process().signal(SIGKILL);
  ASSERT_TRUE(site.ivyd.process().wait_for(std::chrono::seconds(5)));
  const long long before_restart = stored(db);
  const long long recorded = site.ivyd.recorded("^healthy");
  ASSERT_GT(recorded, 0);
  ASSERT_TRUE(site.ivyd.start()) << site.ivyd.log();
  ASSERT_TRUE(ivy::test::eventually([&] { return stored(db) >= recorded; }, kShipTimeout))
      << stored(db) << " of " << recorded << "\n" << site.ivyd.log();
  EXPECT_EQ(stored(db), recorded);
  EXPECT_EQ(duplicates(db), 0);
  EXPECT_LT(before_restart, recorded) << "the kill came after shipping was over: the test proved nothing";
}

TEST_F(DaemonCentralTest, PostgresqlStoppedMidStreamLosesAndDuplicatesNothing) {
  auto server = PgTestServer::start_private();
  ASSERT_TRUE(server->ok());
  PgTestDatabase own(*server);
  ASSERT_EQ(own.error(), "");
  Site site(io, log, own.url(), "lab");
  ASSERT_TRUE(site.start());
  site.healthy.send(200);
  ASSERT_TRUE(site.healthy.all_received());
  ASSERT_TRUE(ivy::test::eventually([&] { return stored(own) == 200; }, kShipTimeout)) << site.ivyd.log();
  ASSERT_TRUE(server->halt());
  for (int i = 0; i < 10; ++i) {
    site.healthy.send(40);
    run_for(io, std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(site.healthy.all_received());
  EXPECT_TRUE(ivy::test::eventually([&] {
    const auto c = site.central();
    return !c.value("connected", true) && c["backlog_rows"].is_number() && c["backlog_rows"].get<long long>() >= 400;
  }, kShipTimeout)) << site.central().dump();
  EXPECT_NE(site.central()["last_error"].get<std::string>(), "");
  EXPECT_EQ(site.ivyd.recorded("^healthy"), 600);  // recording went on
  ASSERT_TRUE(server->resume());
  ASSERT_TRUE(ivy::test::eventually([&] { return stored(own) >= 600; }, kShipTimeout))
      << stored(own) << "\n" << site.ivyd.log();
  EXPECT_EQ(stored(own), 600);
  EXPECT_EQ(duplicates(own), 0);
  EXPECT_TRUE(ivy::test::eventually([&] { return site.central()["backlog_rows"] == 0; }, kShipTimeout));
  EXPECT_EQ(site.ivyd.log_lines_with("central store reachable again"), 1u) << site.ivyd.log();
}

// A TCP port on 127.0.0.1 nobody listens on (bound, then released).
std::uint16_t closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

// ivyd with `setup` records and shows `error` as the central store's last
// error, in its status and its log.
void expect_clear_error_and_recording(asio::io_context& io, Logger& log, const IvydSetup& setup,
                                      const std::string& error) {
  const auto port = unique_bus_port();
  IvydUnderTest ivyd(port, setup);
  HealthyPair healthy(io, log, port);
  ASSERT_TRUE(ivyd.start()) << ivyd.log();
  ASSERT_TRUE(healthy.start());
  healthy.send(10);
  ASSERT_TRUE(healthy.all_received());
  EXPECT_TRUE(ivy::test::eventually([&] {
    return ivyd.status().value("central", nlohmann::json::object()).value("last_error", "").find(error) !=
           std::string::npos;
  }, kShipTimeout)) << ivyd.status().dump() << "\n" << ivyd.log();
  EXPECT_FALSE(ivyd.status()["central"].value("connected", true));
  EXPECT_GE(ivyd.log_lines_with(error), 1u) << ivyd.log();
  EXPECT_TRUE(ivy::test::eventually([&] { return ivyd.recorded("^healthy") == 10; })) << ivyd.log();
  EXPECT_EQ(ivyd.stop(), std::optional<int>(0));
}

TEST_F(DaemonCentralTest, AMalformedUriIsAConfigurationError) {
  const auto port = unique_bus_port();
  IvydUnderTest ivyd(port, central_setup("postgresql://127.0.0.1:port/x", "lab"));
  std::string out, err;
  EXPECT_EQ(ivy::test::run_command({ivy::test::bin_path("ivyd"), "--check-config", "--config", ivyd.config_path()},
                                   &out, &err),
            78);
  EXPECT_NE(err.find("central.url: \"postgresql://127.0.0.1:port/x\": invalid integer value \"port\""),
            std::string::npos)
      << err;
  EXPECT_FALSE(ivyd.start());
}

TEST_F(DaemonCentralTest, AMalformedUriOnReloadIsRefusedAndRecordingGoesOn) {
  const auto port = unique_bus_port();
  IvydUnderTest ivyd(port, IvydSetup{});
  HealthyPair healthy(io, log, port);
  ASSERT_TRUE(ivyd.start());
  ASSERT_TRUE(healthy.start());
  healthy.send(3);
  ASSERT_TRUE(healthy.all_received());
  ivyd.reconfigure(port, central_setup("postgresql://127.0.0.1:port/x", "lab"));
  ivyd.reload();
  EXPECT_TRUE(ivy::test::eventually([&] { return ivyd.log_lines_with("invalid integer value \"port\"") >= 1; }))
      << ivyd.log();
  EXPECT_EQ(ivyd.status()["central"], (nlohmann::json{{"enabled", false}}));
  healthy.send(3);
  ASSERT_TRUE(healthy.all_received());
  EXPECT_TRUE(ivy::test::eventually([&] { return ivyd.recorded("^healthy") == 6; })) << ivyd.log();
}

TEST_F(DaemonCentralTest, AnUnknownHostIsAClearErrorAndRecordingGoesOn) {
  // .invalid never resolves (RFC 6761).
  expect_clear_error_and_recording(io, log, central_setup("postgresql://postgres@no-such-host.invalid/x", "lab"),
                                   "could not translate host name \"no-such-host.invalid\"");
}

TEST_F(DaemonCentralTest, AMissingDatabaseIsAClearErrorAndRecordingGoesOn) {
  expect_clear_error_and_recording(io, log, central_setup(db.url() + "_missing", "lab"),
                                   "database \"" + db.name() + "_missing\" does not exist");
}

TEST_F(DaemonCentralTest, AWrongPasswordIsAClearErrorAndRecordingGoesOn) {
  const std::string user = db.name() + "_user";
  ASSERT_EQ(db.exec("CREATE ROLE " + user + " LOGIN PASSWORD 'right-one' IN ROLE ivyd_password_users"), "");
  ivy::test::TempDir secrets;
  ivy::test::write_text_file(secrets.file("password"), "wrong-one\n");
  expect_clear_error_and_recording(
      io, log, central_setup(db.url(user), "lab", R"(, "password_file": ")" + secrets.file("password") + R"(")"),
      "password authentication failed for user \"" + user + "\"");
  db.exec("DROP ROLE " + user);
}

TEST_F(DaemonCentralTest, TheRightPasswordFromItsFileIsUsed) {
  const std::string user = db.name() + "_user";
  ASSERT_EQ(db.exec("CREATE ROLE " + user + " LOGIN PASSWORD 'right-one' IN ROLE ivyd_password_users"), "");
  ASSERT_EQ(db.exec("GRANT ALL ON SCHEMA public TO " + user), "");
  ivy::test::TempDir secrets;
  ivy::test::write_text_file(secrets.file("password"), "right-one\n");
  {
    Site site(io, log, db.url(user), "lab", R"(, "password_file": ")" + secrets.file("password") + R"(")");
    ASSERT_TRUE(site.start());
    site.healthy.send(3);
    ASSERT_TRUE(site.healthy.all_received());
    EXPECT_TRUE(ivy::test::eventually([&] { return stored(db) == 3; }, kShipTimeout)) << site.ivyd.log();
  }
  db.exec("REASSIGN OWNED BY " + user + " TO postgres");
  db.exec("DROP OWNED BY " + user);
  db.exec("DROP ROLE " + user);
}

TEST_F(DaemonCentralTest, AServerThatRefusesConnectionsIsAClearErrorAndRecordingGoesOn) {
  expect_clear_error_and_recording(
      io, log, central_setup("postgresql://postgres@127.0.0.1:" + std::to_string(closed_port()) + "/x", "lab"),
      "Connection refused");
}

TEST_F(DaemonCentralTest, AStoreFromANewerIvydIsAClearErrorAndIsLeftAlone) {
  {
    auto conn = storage::PgConnection::connect(db.url());
    ASSERT_TRUE(conn);
    ASSERT_TRUE(storage::migrate_central(**conn));
  }
  ASSERT_EQ(db.exec("UPDATE ivyd_schema SET version = 99"), "");
  expect_clear_error_and_recording(io, log, central_setup(db.url(), "lab"),
                                   "the central store's schema is version 99, newer than this ivyd's");
  EXPECT_EQ(db.count("SELECT count(*) FROM files"), 0);
  EXPECT_EQ(db.text("SELECT version FROM ivyd_schema"), "99");
}

TEST_F(DaemonCentralTest, ReloadStartsAndStopsShipping) {
  const auto port = unique_bus_port();
  IvydUnderTest ivyd(port, IvydSetup{});
  HealthyPair healthy(io, log, port);
  ASSERT_TRUE(ivyd.start());
  ASSERT_TRUE(healthy.start());
  EXPECT_EQ(ivyd.status()["central"], (nlohmann::json{{"enabled", false}}));
  healthy.send(4);
  ASSERT_TRUE(healthy.all_received());
  ivyd.reconfigure(port, central_setup(db.url(), "lab"));
  ivyd.reload();
  // The backlog recorded before shipping was configured ships too.
  ASSERT_TRUE(ivy::test::eventually([&] { return stored(db) == 4; }, kShipTimeout)) << ivyd.log();
  EXPECT_EQ(ivyd.log_lines_with("config reloaded: central"), 1u) << ivyd.log();
  ivyd.reconfigure(port, IvydSetup{});
  ivyd.reload();
  EXPECT_TRUE(ivy::test::eventually([&] { return ivyd.status()["central"]["enabled"] == false; }));
  healthy.send(2);
  ASSERT_TRUE(healthy.all_received());
  run_for(io, std::chrono::milliseconds(500));
  EXPECT_EQ(stored(db), 4);
  EXPECT_TRUE(ivy::test::eventually([&] { return ivyd.recorded("^healthy") == 6; }));
}

}  // namespace
}  // namespace ivy::daemon::test
