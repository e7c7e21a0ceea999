// End-to-end: two real ivyd joined by a TLS link with mutual authentication
// (docs/bridge.md, "TLS"), with throwaway certificates (TestPki): messages
// cross both ways, `ivyctl status` shows the session, and SIGHUP picks up a
// renewed certificate without dropping the link.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/daemon/bridges/link/test_pki.hpp"
#include "tests/daemon/ivyd_under_test.hpp"
#include "tests/daemon/process_support.hpp"
#include "tests/daemon/test_support.hpp"

namespace ivy::daemon::test {
namespace {

using ivy::test::bin_path;
using ivy::test::eventually;
using ivy::test::run_command;
using ivy::test::TestPki;

std::uint16_t free_tcp_port() {
  asio::io_context io;
  tcp::acceptor probe(io, tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0));
  return probe.local_endpoint().port();
}

// Site A listens, site B dials it; each ivyd has its bus and one TLS link.
class DaemonTlsLink : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = std::make_unique<IvydUnderTest>(bus_a_, setup(R"("role": "listen", "listen": "127.0.0.1:)" +
                                                       std::to_string(link_port_) + "\"", site_a_, ""));
    b_ = std::make_unique<IvydUnderTest>(bus_b_, setup(R"("role": "dial", "dial": ["127.0.0.1:)" +
                                                       std::to_string(link_port_) + "\"]",
                                                       site_b_, R"(, "server_name": "site-a")"));
    ASSERT_TRUE(a_->start()) << a_->log();
    ASSERT_TRUE(b_->start()) << b_->log();
  }

  IvydSetup setup(const std::string& endpoints, const TestPki::Identity& id, const std::string& more_tls) {
    IvydSetup s;
    s.bridges = R"({"id": "link", "type": "link", "bus": "main", "link": {)" + endpoints +
                R"(, "reconnect_min_ms": 50, "reconnect_max_ms": 200, "tls": {"cert_file": ")" + id.cert_file +
                R"(", "key_file": ")" + id.key_file + R"(", "ca_file": ")" + pki_.ca_file() + "\"" + more_tls + "}}}";
    return s;
  }

  static nlohmann::json link_status(const IvydUnderTest& ivyd) {
    const auto s = ivyd.status();
    return s.is_object() && s["bridges"].size() == 1 ? s["bridges"][0] : nlohmann::json{};
  }
  static bool linked(const IvydUnderTest& ivyd) { return link_status(ivyd).value("state", "") == "connected"; }

  TestPki pki_;
  TestPki::Identity site_a_ = pki_.issue("site-a");
  TestPki::Identity site_b_ = pki_.issue("site-b");
  std::uint16_t bus_a_ = unique_bus_port();
  std::uint16_t bus_b_ = unique_bus_port();
  std::uint16_t link_port_ = free_tcp_port();
  std::unique_ptr<IvydUnderTest> a_, b_;
};

TEST_F(DaemonTlsLink, CarriesMessagesBothWaysAndStatusShowsTheSession) {
  ASSERT_TRUE(eventually([&] { return linked(*a_) && linked(*b_); })) << a_->log() << b_->log();
  asio::io_context io;
  Logger log(LogLevel::kError, Logger::Style::kPlain);
  TestAgent on_a(io, log, "CONSOLE-A", bus_a_), on_b(io, log, "CONSOLE-B", bus_b_);
  ASSERT_TRUE(on_a->subscribe("^FROM_B (.*)").ok());
  ASSERT_TRUE(on_b->subscribe("^FROM_A (.*)").ok());
  ASSERT_TRUE(on_a->start().ok());
  ASSERT_TRUE(on_b->start().ok());
  // Each console sees its ivyd's tap, and each ivyd knows its console's subscription.
  ASSERT_TRUE(run_until(io, [&] { return peer_subscriptions(*on_a) >= 1 && peer_subscriptions(*on_b) >= 1; }, 5000ms));
  run_for(io, 200ms);
  ASSERT_TRUE(on_a->send("FROM_A hello over TLS").ok());
  ASSERT_TRUE(on_b->send("FROM_B hello back").ok());
  ASSERT_TRUE(run_until(io, [&] {
    return on_a.events.count(AgentEvent::Kind::kMessage) == 1 && on_b.events.count(AgentEvent::Kind::kMessage) == 1;
  }, 5000ms)) << a_->log() << b_->log();
  EXPECT_EQ(on_b.events.of(AgentEvent::Kind::kMessage)[0].args, std::vector<std::string>{"hello over TLS"});
  EXPECT_EQ(on_a.events.of(AgentEvent::Kind::kMessage)[0].args, std::vector<std::string>{"hello back"});

  const auto tls_a = link_status(*a_)["tls"];
  const auto tls_b = link_status(*b_)["tls"];
  EXPECT_EQ(tls_a["enabled"], true);
  EXPECT_EQ(tls_a["protocol"], "TLSv1.3");
  EXPECT_FALSE(tls_a["cipher"].get<std::string>().empty());
  EXPECT_EQ(tls_a["peer_subject"], "CN=site-b,O=ivyd tests");
  EXPECT_EQ(tls_b["peer_subject"], "CN=site-a,O=ivyd tests");
  EXPECT_EQ(tls_b["peer_fingerprint"], site_a_.fingerprint);
  EXPECT_EQ(tls_b["cert_fingerprint"], site_b_.fingerprint);
  EXPECT_EQ(tls_b["peer_not_after"].get<std::string>().size(), 20u);

  std::string out;
  ASSERT_EQ(run_command({bin_path("ivyctl"), "status", "--socket", b_->socket_path()}, &out), 0);
  EXPECT_NE(out.find("  tls: TLSv1.3 "), std::string::npos) << out;
  EXPECT_NE(out.find("; peer CN=site-a,O=ivyd tests until " + tls_b["peer_not_after"].get<std::string>()),
            std::string::npos)
      << out;
  on_a->stop();
  on_b->stop();
  run_for(io, 50ms);
}

TEST_F(DaemonTlsLink, SighupLoadsARenewedCertificateWithoutDroppingTheLink) {
  ASSERT_TRUE(eventually([&] { return linked(*a_) && linked(*b_); })) << a_->log() << b_->log();
  const auto renewed = pki_.issue("site-a", TestPki::Validity::kCurrent, "site-a");  // same file names
  ASSERT_NE(renewed.fingerprint, site_a_.fingerprint);
  a_->reload();
  ASSERT_TRUE(eventually([&] { return link_status(*a_)["tls"].value("cert_fingerprint", "") == renewed.fingerprint; }))
      << a_->log();
  EXPECT_EQ(a_->log_lines_with("bridge 'link': TLS certificate reloaded: 'CN=site-a,O=ivyd tests'"), 1u) << a_->log();
  EXPECT_TRUE(linked(*b_));  // the session up kept its keys
  EXPECT_EQ(link_status(*b_)["counters"]["connects"], 1);
  EXPECT_EQ(link_status(*b_)["tls"]["peer_fingerprint"], site_a_.fingerprint);

  // Site B restarts: its new session meets the renewed certificate.
  ASSERT_EQ(b_->stop(), std::optional<int>(0));
  ASSERT_TRUE(b_->start()) << b_->log();
  ASSERT_TRUE(eventually([&] { return link_status(*b_)["tls"].value("peer_fingerprint", "") == renewed.fingerprint; }))
      << b_->log();
  EXPECT_TRUE(linked(*a_));
}

TEST(DaemonTlsLinkFiles, ALinkWhoseCertificateWasMissingStartsOnSighup) {
  TestPki pki;
  const std::string cert = pki.dir.file("later.crt"), key = pki.dir.file("later.key");
  IvydSetup setup;
  setup.bridges = R"({"id": "link", "type": "link", "bus": "main", "link": {"role": "listen", "listen": "127.0.0.1:)" +
                  std::to_string(free_tcp_port()) + R"(", "tls": {"cert_file": ")" + cert + R"(", "key_file": ")" +
                  key + R"(", "ca_file": ")" + pki.ca_file() + R"("}}})";
  IvydUnderTest ivyd(unique_bus_port(), setup);
  ASSERT_TRUE(ivyd.start()) << ivyd.log();
  const auto state = [&] {
    const auto s = ivyd.status();
    return s.is_object() && s["bridges"].size() == 1 ? s["bridges"][0].value("state", "") : std::string();
  };
  ASSERT_TRUE(eventually([&] { return state().rfind("failed: ", 0) == 0; })) << ivyd.log();
  EXPECT_NE(state().find("tls.cert_file: \"" + cert + "\": cannot read: No such file or directory"), std::string::npos)
      << state();

  pki.issue("site-a", TestPki::Validity::kCurrent, "later");  // the files arrive; the config is unchanged
  ivyd.reload();
  ASSERT_TRUE(eventually([&] { return state() == "listening"; })) << ivyd.log();
  EXPECT_EQ(ivyd.log_lines_with("config reloaded: no changes"), 1u) << ivyd.log();
}

}  // namespace
}  // namespace ivy::daemon::test
