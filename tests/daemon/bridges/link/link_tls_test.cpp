// LinkBridge over TLS (daemon/bridges/link/link_opening.hpp, tls_context.hpp,
// tls_verifier.hpp): two sites in one io_context with throwaway certificates
// (TestPki). Every refusal the issue names is shown on the side that refuses:
// unknown CA, expired, name mismatch, pin mismatch, not TLS.
#include <gtest/gtest.h>

#include "config/fingerprint.hpp"
#include "tests/daemon/bridges/link/link_test_support.hpp"
#include "tests/daemon/bridges/link/test_pki.hpp"

namespace ivy::daemon::test {
namespace {

using ivy::test::TestPki;

TlsSettings tls_of(const TestPki::Identity& id, const std::string& ca_file, std::vector<std::string> pins = {},
                   std::string server_name = {}) {
  TlsSettings t{id.cert_file, id.key_file, ca_file, {}, std::move(server_name)};
  for (const auto& pin : pins) t.pins.push_back(*config::parse_fingerprint(pin));
  return t;
}

std::size_t lines_with(const std::string& text, std::string_view what) {
  std::size_t n = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) n += line.find(what) != std::string::npos;
  return n;
}

struct TlsLinkTest : LinkTest {
  void SetUp() override {
    LinkTest::SetUp();
    site_a = pki.issue("site-a");
    site_b = pki.issue("site-b");
  }
  // Both sides on the lab CA, a listening, b dialling.
  void tls_link_up(const std::function<void(LinkBridgeOptions&, LinkBridgeOptions&)>& adjust = {}) {
    link_up([&](LinkBridgeOptions& la, LinkBridgeOptions& lb) {
      la.tls = tls_of(site_a, pki.ca_file());
      lb.tls = tls_of(site_b, pki.ca_file());
      if (adjust) adjust(la, lb);
    });
  }
  // Runs until both sides have refused at least `n` times.
  bool refused_on(Site& site, std::uint64_t n = 1) {
    return run_until(io, [&] { return site.bridge->status().counters.rejected >= n; });
  }
  void expect_nothing_crosses() {
    EXPECT_FALSE(connected());
    ASSERT_TRUE(a->client->send("X over a refused link").ok());
    run_for(io, 50ms);
    EXPECT_EQ(received_count(b->client), 0u);
  }

  TestPki pki;
  TestPki::Identity site_a, site_b;
};

TEST_F(TlsLinkTest, MutualTlsCarriesMessagesBothWaysAndShowsTheSession) {
  (void)a->client->subscribe("^FROM_B (.*)");
  (void)b->client->subscribe("^FROM_A (.*)");
  start_clients();
  tls_link_up();
  ASSERT_TRUE(run_until(io, [&] { return connected(); })) << log.text.str();
  ASSERT_TRUE(run_until(io, [&] { return peer_subscriptions(*a->client.agent) >= 2; }));
  ASSERT_TRUE(a->client->send("FROM_A hello").ok());
  ASSERT_TRUE(b->client->send("FROM_B world").ok());
  ASSERT_TRUE(run_until(io, [&] { return received_count(a->client) == 1 && received_count(b->client) == 1; }));
  EXPECT_EQ(received(b->client), std::vector<std::string>{"hello"});
  EXPECT_EQ(received(a->client), std::vector<std::string>{"world"});

  const auto tls_a = *a->bridge->status().tls;
  const auto tls_b = *b->bridge->status().tls;
  EXPECT_TRUE(tls_a.enabled);
  EXPECT_EQ(tls_a.protocol, "TLSv1.3");
  EXPECT_FALSE(tls_a.cipher.empty());
  EXPECT_EQ(tls_a.peer_subject, "CN=site-b,O=ivyd tests");  // each side saw the other's certificate
  EXPECT_EQ(tls_b.peer_subject, "CN=site-a,O=ivyd tests");
  EXPECT_EQ(tls_a.peer_fingerprint, site_b.fingerprint);
  EXPECT_EQ(tls_a.cert_fingerprint, site_a.fingerprint);
  EXPECT_EQ(tls_b.peer_not_after.size(), 20u);  // 2036-05-01T12:00:00Z
  EXPECT_EQ(tls_b.peer_not_after.back(), 'Z');
}

TEST_F(TlsLinkTest, PlaintextLinkReportsTlsOff) {
  start_clients();
  link_up();
  ASSERT_TRUE(run_until(io, [&] { return connected(); }));
  const auto tls = a->bridge->status().tls;
  ASSERT_TRUE(tls.has_value());
  EXPECT_FALSE(tls->enabled);
  EXPECT_EQ(tls->protocol, "");
}

TEST_F(TlsLinkTest, DialerRefusesAListenerFromAnotherCa) {
  start_clients();
  TestPki other("another lab CA");
  const auto stranger = other.issue("site-a");
  tls_link_up([&](LinkBridgeOptions& la, LinkBridgeOptions&) { la.tls = tls_of(stranger, other.ca_file()); });
  ASSERT_TRUE(refused_on(*b));
  expect_nothing_crosses();
  const std::string text = log.text.str();
  EXPECT_NE(text.find("bridge 'to-a': link to 127.0.0.1:"), std::string::npos) << text;
  EXPECT_NE(text.find("the far side's certificate: unknown CA: certificate 'CN=site-a,O=ivyd tests' (issuer "
                      "'CN=another lab CA,O=ivyd tests') does not chain to ca_file"),
            std::string::npos)
      << text;
  // The listener hears of it from the dialer's alert.
  ASSERT_TRUE(refused_on(*a));
  EXPECT_NE(log.text.str().find("bridge 'to-b': refused a connection from 127.0.0.1:"), std::string::npos);
  EXPECT_NE(log.text.str().find("the far side refused our certificate: unknown CA"), std::string::npos);
}

TEST_F(TlsLinkTest, ListenerRefusesADialerFromAnotherCa) {
  start_clients();
  TestPki other("another lab CA");
  const auto stranger = other.issue("site-b");
  // The dialer trusts both CAs, the listener only its own.
  tls_link_up([&](LinkBridgeOptions&, LinkBridgeOptions& lb) { lb.tls = tls_of(stranger, pki.ca_file()); });
  ASSERT_TRUE(refused_on(*a));
  EXPECT_NE(log.text.str().find("bridge 'to-b': refused a connection from 127.0.0.1:"), std::string::npos);
  EXPECT_NE(log.text.str().find("unknown CA: certificate 'CN=site-b,O=ivyd tests'"), std::string::npos);
  // With TLS 1.3 the dialer's handshake is over before the listener checks
  // its certificate: it learns of the refusal from the alert, before any hello.
  ASSERT_TRUE(refused_on(*b));
  EXPECT_NE(log.text.str().find("bridge 'to-a': link refused: the far side refused our certificate"),
            std::string::npos)
      << log.text.str();
  expect_nothing_crosses();
}

TEST_F(TlsLinkTest, ExpiredCertificateIsRefused) {
  start_clients();
  const auto old = pki.issue("site-a", TestPki::Validity::kExpired, "site-a-old");
  tls_link_up([&](LinkBridgeOptions& la, LinkBridgeOptions&) { la.tls = tls_of(old, pki.ca_file()); });
  ASSERT_TRUE(refused_on(*b));
  expect_nothing_crosses();
  EXPECT_NE(log.text.str().find("the far side's certificate: expired: certificate 'CN=site-a,O=ivyd tests' was "
                                "valid until "),
            std::string::npos)
      << log.text.str();
  // ... and the listener was told why by the alert.
  ASSERT_TRUE(refused_on(*a));
  EXPECT_NE(log.text.str().find("the far side refused our certificate: expired"), std::string::npos);
}

TEST_F(TlsLinkTest, NotYetValidCertificateIsRefused) {
  start_clients();
  const auto early = pki.issue("site-b", TestPki::Validity::kNotYetValid, "site-b-early");
  tls_link_up([&](LinkBridgeOptions&, LinkBridgeOptions& lb) { lb.tls = tls_of(early, pki.ca_file()); });
  ASSERT_TRUE(refused_on(*a));
  EXPECT_NE(log.text.str().find("not yet valid: certificate 'CN=site-b,O=ivyd tests' is valid from "),
            std::string::npos)
      << log.text.str();
}

TEST_F(TlsLinkTest, DialerChecksTheServerName) {
  start_clients();
  tls_link_up([&](LinkBridgeOptions&, LinkBridgeOptions& lb) { lb.tls->server_name = "site-x"; });
  ASSERT_TRUE(refused_on(*b));
  expect_nothing_crosses();
  EXPECT_NE(log.text.str().find("name mismatch: certificate 'CN=site-a,O=ivyd tests' is not for 'site-x' "
                                "(server_name)"),
            std::string::npos)
      << log.text.str();
}

TEST_F(TlsLinkTest, RightServerNameConnects) {
  start_clients();
  tls_link_up([&](LinkBridgeOptions&, LinkBridgeOptions& lb) { lb.tls->server_name = "site-a"; });
  ASSERT_TRUE(run_until(io, [&] { return connected(); })) << log.text.str();
}

TEST_F(TlsLinkTest, PinnedSelfSignedCertificatesConnectWithoutACa) {
  start_clients();
  const auto lone_a = pki.self_signed("lone-a");
  const auto lone_b = pki.self_signed("lone-b");
  tls_link_up([&](LinkBridgeOptions& la, LinkBridgeOptions& lb) {
    la.tls = tls_of(lone_a, "", {lone_b.fingerprint});
    lb.tls = tls_of(lone_b, "", {"00:" + lone_b.fingerprint.substr(3), lone_a.fingerprint});
  });
  ASSERT_TRUE(run_until(io, [&] { return connected(); })) << log.text.str();
  EXPECT_EQ(a->bridge->status().tls->peer_fingerprint, lone_b.fingerprint);
}

TEST_F(TlsLinkTest, PinMismatchIsRefusedEvenWithTheRightCa) {
  start_clients();
  const auto other_b = pki.issue("site-b", TestPki::Validity::kCurrent, "site-b-2");
  // The listener pins site_b's certificate; the dialer shows another one of
  // the same CA and name.
  tls_link_up([&](LinkBridgeOptions& la, LinkBridgeOptions& lb) {
    la.tls = tls_of(site_a, pki.ca_file(), {site_b.fingerprint});
    lb.tls = tls_of(other_b, pki.ca_file());
  });
  ASSERT_TRUE(refused_on(*a));
  expect_nothing_crosses();
  EXPECT_NE(log.text.str().find("pin mismatch: certificate 'CN=site-b,O=ivyd tests' has SHA-256 fingerprint " +
                                other_b.fingerprint + ", which is not in peer_fingerprints"),
            std::string::npos)
      << log.text.str();  ASSERT_TRUE(refused_on(*b));
  EXPECT_NE(log.text.str().find("bridge 'to-a': link refused: the far side refused the TLS handshake"),
            std::string::npos)
      << log.text.str();
}

TEST_F(TlsLinkTest, TlsListenerRefusesAPlaintextDialer) {
  start_clients();
  tls_link_up([&](LinkBridgeOptions&, LinkBridgeOptions& lb) { lb.tls.reset(); });
  ASSERT_TRUE(refused_on(*a));
  EXPECT_NE(log.text.str().find("bridge 'to-b': refused a connection from 127.0.0.1:"), std::string::npos);
  EXPECT_NE(log.text.str().find("not TLS: the far side speaks plaintext"), std::string::npos) << log.text.str();
  // The plaintext dialer reads why in plaintext.
  ASSERT_TRUE(refused_on(*b));
  EXPECT_NE(log.text.str().find("bridge 'to-a': link refused: closed by the far side: this link requires TLS"),
            std::string::npos)
      << log.text.str();
  expect_nothing_crosses();
}

TEST_F(TlsLinkTest, TlsDialerRefusesAPlaintextListener) {
  start_clients();
  tls_link_up([&](LinkBridgeOptions& la, LinkBridgeOptions&) { la.tls.reset(); });
  ASSERT_TRUE(refused_on(*b));
  EXPECT_NE(log.text.str().find("bridge 'to-a': link to 127.0.0.1:"), std::string::npos);
  EXPECT_NE(log.text.str().find("not TLS: the far side answered in plaintext"), std::string::npos) << log.text.str();
  ASSERT_TRUE(refused_on(*a));
  EXPECT_NE(log.text.str().find("the far side speaks TLS, but this link has no \"tls\" settings"), std::string::npos);
  expect_nothing_crosses();
}

TEST_F(TlsLinkTest, EachRefusalIsLoggedOncePerAttemptAndTheDialerBacksOff) {
  start_clients();
  TestPki other("another lab CA");
  const auto stranger = other.issue("site-a");
  tls_link_up([&](LinkBridgeOptions& la, LinkBridgeOptions&) { la.tls = tls_of(stranger, other.ca_file()); });
  ASSERT_TRUE(refused_on(*b, 3));
  run_for(io, 30ms);
  const auto attempts = b->bridge->status().counters.rejected;
  const std::string text = log.text.str();
  const auto logged = lines_with(text, "bridge 'to-a': link to 127.0.0.1:");
  EXPECT_GE(logged + 1, attempts);  // one attempt may be in its log line's way right now
  EXPECT_LE(logged, attempts);
  EXPECT_EQ(lines_with(text, "unknown CA: certificate 'CN=site-a"), logged);
  EXPECT_EQ(lines_with(text, "bridge 'to-a': next attempt in "), logged);
}

TEST_F(TlsLinkTest, HandshakeThatNeverFinishesIsClosedWhileAGoodLinkWorks) {
  (void)b->client->subscribe("^M (.*)");
  start_clients();
  tls_link_up([&](LinkBridgeOptions& la, LinkBridgeOptions& lb) {
    la.handshake_timeout = lb.handshake_timeout = 400ms;
  });
  ASSERT_TRUE(run_until(io, [&] { return connected(); })) << log.text.str();
  ASSERT_TRUE(run_until(io, [&] { return peer_subscriptions(*a->client.agent) >= 2; }));
  // One stranger starts a TLS handshake (a record header) and stops there,
  // another opens TCP and says nothing.
  RawPeer stalled(io), silent(io);
  stalled.connect(a->bridge->listen_port());
  silent.connect(a->bridge->listen_port());
  stalled.write(std::string("\x16\x03\x01\x02\x00", 5));
  const auto opened = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) {  // the link carries on meanwhile
    ASSERT_TRUE(a->client->send("M " + std::to_string(i)).ok());
    ASSERT_TRUE(run_until(io, [&] { return received_count(b->client) == static_cast<std::size_t>(i + 1); }));
  }
  ASSERT_TRUE(run_until(io, [&] { return stalled.eof && silent.eof; }, 3000ms));
  EXPECT_GE(std::chrono::steady_clock::now() - opened, 350ms);
  EXPECT_TRUE(connected());
  EXPECT_EQ(received_count(b->client), 5u);
  EXPECT_NE(log.text.str().find("the TLS handshake did not finish within 400 ms"), std::string::npos) << log.text.str();
  EXPECT_NE(log.text.str().find("nothing was received within 400 ms"), std::string::npos) << log.text.str();
}

TEST_F(TlsLinkTest, ReloadUsesTheRenewedCertificateForTheNextHandshake) {
  start_clients();
  tls_link_up();
  ASSERT_TRUE(run_until(io, [&] { return connected(); })) << log.text.str();
  EXPECT_EQ(b->bridge->status().tls->peer_fingerprint, site_a.fingerprint);

  const auto renewed = pki.issue("site-a", TestPki::Validity::kCurrent, "site-a");  // same files, new contents
  ASSERT_NE(renewed.fingerprint, site_a.fingerprint);
  ASSERT_TRUE(a->bridge->reload_tls().ok());
  EXPECT_EQ(a->bridge->status().tls->cert_fingerprint, renewed.fingerprint);
  EXPECT_TRUE(connected());  // the link up stays up
  EXPECT_EQ(b->bridge->status().tls->peer_fingerprint, site_a.fingerprint);
  EXPECT_NE(log.text.str().find("bridge 'to-b': TLS certificate reloaded: 'CN=site-a,O=ivyd tests'"),
            std::string::npos);

  // The dialer comes again: it meets the renewed certificate.
  const auto port = a->bridge->listen_port();
  b->bridge.reset();
  auto lb = link_options("to-a", "inst-b", LinkConnection::Role::kDialer);
  lb.dial = {"127.0.0.1:" + std::to_string(port)};
  lb.tls = tls_of(site_b, pki.ca_file());
  b->link(io, log.logger, std::move(lb));
  ASSERT_TRUE(run_until(io, [&] { return connected(); })) << log.text.str();
  EXPECT_EQ(b->bridge->status().tls->peer_fingerprint, renewed.fingerprint);
}

TEST_F(TlsLinkTest, ABrokenRenewalKeepsTheCertificateInUse) {
  start_clients();
  tls_link_up();
  ASSERT_TRUE(run_until(io, [&] { return connected(); }));
  const auto unrelated = pki.issue("elsewhere");
  std::filesystem::copy_file(unrelated.key_file, site_a.key_file, std::filesystem::copy_options::overwrite_existing);
  const auto st = a->bridge->reload_tls();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("tls.key_file: \"" + site_a.key_file + "\": does not match the certificate"),
            std::string::npos)
      << st.error().message;
  EXPECT_NE(st.error().message.find("the certificate in use is kept"), std::string::npos);
  EXPECT_EQ(a->bridge->status().tls->cert_fingerprint, site_a.fingerprint);
  EXPECT_TRUE(connected());
}

TEST_F(TlsLinkTest, MissingCertificateFileFailsTheStart) {
  auto o = link_options("to-b", "inst-a", LinkConnection::Role::kListener);
  o.tls = tls_of(site_a, pki.ca_file());
  o.tls->cert_file = pki.dir.file("none.crt");
  LinkBridge bridge(io, std::move(o), a->bus.port(), log.logger);
  const auto st = bridge.start();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "bridge 'to-b': tls.cert_file: \"" + pki.dir.file("none.crt") +
                                    "\": cannot read: No such file or directory");
}

}  // namespace
}  // namespace ivy::daemon::test
