// `ivyctl lint`, `plot` and `info --sparkline` on a central store (issue 15
// with issue 18's commands): two real ivyd ship to a real PostgreSQL, then
// the commands read it with --db postgresql://... and --site.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/daemon/hostile_input_support.hpp"
#include "tests/daemon/process_support.hpp"
#include "tests/storage/pg_test_server.hpp"

namespace ivy::daemon::test {
namespace {

using namespace std::chrono_literals;
using storage::testing::PgTestDatabase;

struct CtlRun {
  int code = -1;
  std::string out;
  std::string err;
};

CtlRun ivyctl(std::vector<std::string> args) {
  CtlRun r;
  args.insert(args.begin(), ivy::test::bin_path("ivyctl"));
  r.code = ivy::test::run_command(args, &r.out, &r.err, 60s);
  return r;
}

// One site shipping to the store: ivyd on its own bus and a healthy pair
// (RECV holds "^healthy (\d+)").
struct Site {
  Site(asio::io_context& io, Logger& log, const std::string& url, const std::string& name)
      : port(unique_bus_port()), ivyd(port, setup(url, name)), healthy(io, log, port) {}
  static IvydSetup setup(const std::string& url, const std::string& name) {
    IvydSetup s;
    s.more = R"("central": {"url": ")" + url + R"(", "site": ")" + name +
             R"(", "batch_interval_ms": 50})";
    return s;
  }
  bool start() { return ivyd.start() && healthy.start(); }

  std::uint16_t port;
  IvydUnderTest ivyd;
  HealthyPair healthy;
};

// The "most-matched" finding of RECV's pattern, or null.
nlohmann::json healthy_finding(const nlohmann::json& doc) {
  for (const auto& f : doc["findings"]) {
    if (f["check"] == "most-matched" && f["pattern"] == "^healthy (\\d+)") return f;
  }
  return nullptr;
}

class CentralStoreCommands : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(db_.error(), "");
    ASSERT_TRUE(north_.start()) << north_.ivyd.log();
    ASSERT_TRUE(south_.start()) << south_.ivyd.log();
    // In three bursts: the sparkline needs the store to span a few ms.
    for (int burst = 0; burst < 3; ++burst) {
      north_.healthy.send(10);
      south_.healthy.send(4);
      run_for(io_, 10ms);
    }
    ASSERT_TRUE(north_.healthy.all_received() && south_.healthy.all_received());
    ASSERT_TRUE(ivy::test::eventually(
        [&] {
          return db_.count("SELECT count(*) FROM messages WHERE text LIKE 'healthy %'") == 42;
        },
        30s))
        << north_.ivyd.log() << south_.ivyd.log();
  }

  asio::io_context io_;
  Logger log_{LogLevel::kError, Logger::Style::kPlain};
  PgTestDatabase db_;
  Site north_{io_, log_, db_.url(), "north"};
  Site south_{io_, log_, db_.url(), "south"};
};

TEST_F(CentralStoreCommands, LintReadsTheSubscriptionsOfEverySiteOrOne) {
  const CtlRun all = ivyctl({"lint", "--db", db_.url(), "--json", "--skip", "catch-all,duplicate"});
  ASSERT_NE(all.code, 2) << all.err;
  const auto doc = nlohmann::json::parse(all.out, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << all.out << all.err;
  EXPECT_EQ(doc["source"], "recording");
  const auto finding = healthy_finding(doc);
  ASSERT_TRUE(finding.is_object()) << all.out;
  EXPECT_EQ(finding["matches"], 42) << all.out;  // 30 deliveries on north + 12 on south
  std::set<std::string> buses;
  for (const auto& h : finding["holders"])
    buses.insert(h["bus"].template get<std::string>().substr(0, 6));
  EXPECT_EQ(buses, (std::set<std::string>{"north/", "south/"})) << finding.dump();

  const CtlRun south = ivyctl({"lint", "--db", db_.url(), "--site", "south", "--json"});
  const auto one = nlohmann::json::parse(south.out, nullptr, false);
  ASSERT_TRUE(one.is_object()) << south.out << south.err;
  const auto south_finding = healthy_finding(one);
  ASSERT_TRUE(south_finding.is_object()) << south.out;
  EXPECT_EQ(south_finding["matches"], 12);
  ASSERT_EQ(south_finding["holders"].size(), 1u);
  EXPECT_EQ(south_finding["holders"][0]["agent"], "RECV");
}

TEST_F(CentralStoreCommands, ExportWritesASiteWithItsSite) {
  ivy::test::TempDir dir;
  const CtlRun r = ivyctl({"export", "--db", db_.url(), "--site", "south", "--kind", "msg",
                           "--match", "^healthy", "--format", "csv", "-o", dir.file("south.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  std::istringstream csv(ivy::test::read_text_file(dir.file("south.csv")));
  std::string header;
  std::getline(csv, header);
  EXPECT_EQ(header.substr(header.rfind(',') + 1), "site") << header;
  int rows = 0;
  for (std::string line; std::getline(csv, line); ++rows) {
    EXPECT_EQ(line.substr(line.rfind(',') + 1), "south") << line;
  }
  EXPECT_EQ(rows, 12);
}

TEST_F(CentralStoreCommands, ReplayReEmitsASiteOntoABus) {
  // North's 30 messages onto south's bus, where RECV holds ^healthy.
  const std::size_t before = south_.healthy.received();
  ivy::test::TempDir dir;
  ivy::test::ChildProcess child({ivy::test::bin_path("ivyctl"), "replay", "--db", db_.url(),
                                 "--site", "north", "--match", "^healthy", "--speed", "0", "--wait",
                                 "0.5", "-b", "127.255.255.255:" + std::to_string(south_.port)},
                                dir.file("out"), dir.file("err"));
  ASSERT_TRUE(child.started());
  EXPECT_TRUE(run_until(
      io_,
      [&] { return south_.healthy.received() >= before + 30 && child.wait_for(0ms).has_value(); },
      15000ms))
      << south_.healthy.received() - before << " of 30; "
      << ivy::test::read_text_file(dir.file("err"));
  EXPECT_EQ(child.wait_for(5s).value_or(-1), 0);
  EXPECT_NE(ivy::test::read_text_file(dir.file("err")).find("replayed 30 messages"),
            std::string::npos)
      << ivy::test::read_text_file(dir.file("err"));
}

TEST(CentralStoreCommandsUsage, LintSiteNeedsACentralStore) {
  const CtlRun no_db = ivyctl({"lint", "--site", "north"});
  EXPECT_EQ(no_db.code, 2);
  EXPECT_NE(no_db.err.find("--site needs --db"), std::string::npos) << no_db.err;
  const CtlRun file = ivyctl({"lint", "--db", "/nonexistent/rec.db", "--site", "north"});
  EXPECT_EQ(file.code, 2);
  EXPECT_NE(file.err.find("only a central store"), std::string::npos) << file.err;
}

TEST_F(CentralStoreCommands, InfoDrawsTheRateOfTheSitesRead) {
  const CtlRun all = ivyctl({"info", "--db", db_.url(), "--sparkline", "always"});
  ASSERT_EQ(all.code, 0) << all.err;
  EXPECT_NE(all.out.find("\nRate:           "), std::string::npos) << all.out;
  EXPECT_NE(all.out.find(" msg/s in "), std::string::npos) << all.out;
  const CtlRun never =
      ivyctl({"info", "--db", db_.url(), "--site", "north", "--sparkline", "never"});
  ASSERT_EQ(never.code, 0) << never.err;
  EXPECT_EQ(never.out.find("Rate:"), std::string::npos) << never.out;
  EXPECT_NE(never.out.find("  north: 1 file"), std::string::npos) << never.out;
}

TEST_F(CentralStoreCommands, PlotDrawsASiteOfTheStore) {
  if (ivy::test::run_command({"/bin/sh", "-c", "command -v gnuplot"}) != 0) {
    GTEST_SKIP() << "gnuplot is not installed (package gnuplot-nox)";
  }
  ivy::test::TempDir dir;
  const CtlRun north = ivyctl({"plot", "--db", db_.url(), "--site", "north", "--match", "^healthy",
                               "-o", dir.file("north.svg")});
  ASSERT_EQ(north.code, 0) << north.err;
  EXPECT_NE(north.out.find("wrote " + dir.file("north.svg") + ": 30 messages"), std::string::npos)
      << north.out;
  EXPECT_NE(ivy::test::read_text_file(dir.file("north.svg")).find("</svg>"), std::string::npos);
  const CtlRun both =
      ivyctl({"plot", "--db", db_.url(), "--match", "^healthy", "-o", dir.file("both.svg")});
  ASSERT_EQ(both.code, 0) << both.err;
  EXPECT_NE(both.out.find(": 42 messages"), std::string::npos) << both.out;
}

TEST(CentralStoreCommandsUsage, PlotOfAnUnreachableStoreHidesThePassword) {
  const CtlRun r =
      ivyctl({"plot", "--db", "postgresql://u:secret@127.0.0.1:1/x", "-o", "/tmp/never.png"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("ivyctl plot: "), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("secret"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ivy::daemon::test
