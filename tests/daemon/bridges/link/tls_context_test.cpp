// TlsContext::load (daemon/bridges/link/tls_context.hpp): what it accepts,
// what it refuses and names, what it only warns about; and the verifier's
// short reasons (tls_verifier.hpp).
#include "daemon/bridges/link/tls_context.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

#include "daemon/bridges/link/tls_verifier.hpp"
#include "tests/daemon/bridges/link/test_pki.hpp"

namespace ivy::daemon {
namespace {

using ivy::test::TestPki;
using ivy::test::write_text_file;

struct TlsContextTest : ::testing::Test {
  TlsSettings settings_of(const TestPki::Identity& id) { return {id.cert_file, id.key_file, pki.ca_file(), {}, ""}; }
  // The problem loading `settings` as a server, as "key: message"; "" if it loads.
  std::string problem(const TlsSettings& settings) {
    auto loaded = TlsContext::load(settings, TlsSide::kServer);
    return loaded ? "" : loaded.error().key + ": " + loaded.error().message;
  }
  std::vector<std::string> warnings(const TlsSettings& settings) {
    auto loaded = TlsContext::load(settings, TlsSide::kClient);
    std::vector<std::string> out;
    if (!loaded) return {"not loaded: " + loaded.error().message};
    for (const auto& w : (*loaded)->warnings()) out.push_back(w.key + ": " + w.message);
    return out;
  }

  TestPki pki;
  TestPki::Identity site = pki.issue("site-a");
};

TEST_F(TlsContextTest, LoadsAMatchingPairAndDescribesOurCertificate) {
  auto loaded = TlsContext::load(settings_of(site), TlsSide::kServer);
  ASSERT_TRUE(loaded) << loaded.error().message;
  const auto& cert = (*loaded)->certificate();
  EXPECT_EQ(cert.subject, "CN=site-a,O=ivyd tests");
  EXPECT_EQ(cert.issuer.rfind("CN=ivyd test CA ", 0), 0u) << cert.issuer;
  EXPECT_EQ(config::to_string(cert.fingerprint), site.fingerprint);
  EXPECT_TRUE((*loaded)->warnings().empty());
}

TEST_F(TlsContextTest, MissingFilesAreNamedByTheirKey) {
  auto s = settings_of(site);
  s.cert_file = pki.dir.file("nope.crt");
  EXPECT_EQ(problem(s), "cert_file: \"" + s.cert_file + "\": cannot read: No such file or directory");
  s = settings_of(site);
  s.key_file = pki.dir.file("nope.key");
  EXPECT_EQ(problem(s), "key_file: \"" + s.key_file + "\": cannot read: No such file or directory");
  s = settings_of(site);
  s.ca_file = pki.dir.file("nope-ca.crt");
  EXPECT_EQ(problem(s), "ca_file: \"" + s.ca_file + "\": cannot read: No such file or directory");
}

TEST_F(TlsContextTest, UnreadableKeyIsRefused) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any file";
  ::chmod(site.key_file.c_str(), 0);
  EXPECT_EQ(problem(settings_of(site)), "key_file: \"" + site.key_file + "\": cannot read: Permission denied");
}

TEST_F(TlsContextTest, KeyOfAnotherCertificateIsRefused) {
  const auto other = pki.issue("site-b");
  auto s = settings_of(site);
  s.key_file = other.key_file;
  EXPECT_EQ(problem(s), "key_file: \"" + other.key_file + "\": does not match the certificate in \"" +
                            site.cert_file + "\"");
}

TEST_F(TlsContextTest, FilesOfTheWrongKindAreRefused) {
  auto s = settings_of(site);
  s.cert_file = site.key_file;
  EXPECT_EQ(problem(s).rfind("cert_file: \"" + site.key_file + "\": not a PEM certificate (", 0), 0u) << problem(s);
  s = settings_of(site);
  s.key_file = site.cert_file;
  EXPECT_EQ(problem(s).rfind("key_file: \"" + site.cert_file + "\": not an unencrypted PEM private key (", 0), 0u)
      << problem(s);
  write_text_file(pki.dir.file("empty.pem"), "");
  s = settings_of(site);
  s.ca_file = pki.dir.file("empty.pem");
  EXPECT_EQ(problem(s).rfind("ca_file: \"" + s.ca_file + "\": holds no PEM CA certificate (", 0), 0u) << problem(s);
}

TEST_F(TlsContextTest, EncryptedKeyIsRefusedWithoutAskingForAPassphrase) {
  std::FILE* in = std::fopen(site.key_file.c_str(), "r");
  ASSERT_NE(in, nullptr);
  EVP_PKEY* key = PEM_read_PrivateKey(in, nullptr, nullptr, nullptr);
  std::fclose(in);
  ASSERT_NE(key, nullptr);
  const std::string encrypted = pki.dir.file("encrypted.key");
  std::FILE* out = std::fopen(encrypted.c_str(), "w");
  ASSERT_NE(out, nullptr);
  char passphrase[] = "secret";
  PEM_write_PrivateKey(out, key, EVP_aes_256_cbc(), reinterpret_cast<unsigned char*>(passphrase), 6, nullptr,
                       nullptr);
  std::fclose(out);
  EVP_PKEY_free(key);
  auto s = settings_of(site);
  s.key_file = encrypted;
  const std::string why = problem(s);  // stdin is not read: the test would hang on a prompt
  EXPECT_EQ(why.rfind("key_file: \"" + encrypted + "\": not an unencrypted PEM private key (", 0), 0u) << why;
  EXPECT_NE(why.find("ivyd cannot ask for a passphrase"), std::string::npos) << why;
}

TEST_F(TlsContextTest, KeyReadableByEveryUserIsAWarning) {
  ::chmod(site.key_file.c_str(), 0644);
  EXPECT_EQ(warnings(settings_of(site)),
            std::vector<std::string>{"key_file: \"" + site.key_file +
                                     "\" is readable by every user (mode 0644): chmod o-rwx it (0640, owner "
                                     "root:ivyd)"});
  ::chmod(site.key_file.c_str(), 0640);
  EXPECT_TRUE(warnings(settings_of(site)).empty());
}

TEST_F(TlsContextTest, ExpiredOrNotYetValidCertificateIsAWarning) {
  const auto old = pki.issue("site-a", TestPki::Validity::kExpired, "old");
  const auto w = warnings(settings_of(old));
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].rfind("cert_file: \"" + old.cert_file + "\": the certificate expired on ", 0), 0u) << w[0];
  const auto early = pki.issue("site-a", TestPki::Validity::kNotYetValid, "early");
  const auto e = warnings(settings_of(early));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].find("the certificate is not valid before "), std::string::npos) << e[0];
}

TEST_F(TlsContextTest, PinsOnlyNeedNoCaFile) {
  auto s = settings_of(site);
  s.ca_file = "";
  EXPECT_EQ(problem(s), "");
}

TEST(TlsVerifier, ShortReasonsForVerificationErrors) {
  EXPECT_EQ(verify_error_reason(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY), "unknown CA");
  EXPECT_EQ(verify_error_reason(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT), "unknown CA");
  EXPECT_EQ(verify_error_reason(X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN), "unknown CA");
  EXPECT_EQ(verify_error_reason(X509_V_ERR_CERT_HAS_EXPIRED), "expired");
  EXPECT_EQ(verify_error_reason(X509_V_ERR_CERT_NOT_YET_VALID), "not yet valid");
  EXPECT_EQ(verify_error_reason(X509_V_ERR_HOSTNAME_MISMATCH), "name mismatch");
  EXPECT_EQ(verify_error_reason(X509_V_ERR_IP_ADDRESS_MISMATCH), "name mismatch");
  EXPECT_EQ(verify_error_reason(X509_V_ERR_CERT_REVOKED), "certificate revoked");  // OpenSSL's text
}

}  // namespace
}  // namespace ivy::daemon
