// check_tls_files (daemon/bridges/link/tls_file_check.hpp) and what
// `ivyd --check-config` prints from it: each problem at its key's line.
#include "daemon/bridges/link/tls_file_check.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include "tests/daemon/bridges/link/test_pki.hpp"
#include "tests/daemon/process_support.hpp"

namespace ivy::daemon {
namespace {

using ivy::test::bin_path;
using ivy::test::run_command;
using ivy::test::TestPki;
using ivy::test::write_text_file;

config::BridgeConfig tls_link(const TestPki& pki, const TestPki::Identity& id) {
  config::BridgeConfig b;
  b.id = "l";
  b.type = config::BridgeType::kLink;
  b.bus = "main";
  b.link.role = config::LinkRole::kListen;
  b.link.listen = "127.0.0.1:7010";
  b.link.tls = config::LinkTlsConfig{id.cert_file, id.key_file, pki.ca_file(), {}, ""};
  return b;
}

std::vector<std::string> lines(const config::ConfigProblems& problems) {
  std::vector<std::string> out;
  for (const auto& p : problems) out.push_back(p.path + ": " + p.message);
  return out;
}

struct TlsFileCheck : ::testing::Test {
  TestPki pki;
  TestPki::Identity site = pki.issue("site-a");
};

TEST_F(TlsFileCheck, GoodFilesPass) {
  config::Config c = config::default_config();
  c.bridges = {tls_link(pki, site)};
  const auto report = check_tls_files(c);
  EXPECT_TRUE(report.errors.empty()) << lines(report.errors)[0];
  EXPECT_TRUE(report.warnings.empty());
}

TEST_F(TlsFileCheck, ProblemsAndWarningsCarryTheKeyPath) {
  config::Config c = config::default_config();
  c.bridges = {tls_link(pki, site), tls_link(pki, site), tls_link(pki, site)};
  c.bridges[1].link.tls->key_file = pki.dir.file("missing.key");
  c.bridges[2].link.tls->ca_file = site.cert_file + ".none";
  ::chmod(site.key_file.c_str(), 0604);
  const auto report = check_tls_files(c);
  EXPECT_EQ(lines(report.errors),
            (std::vector<std::string>{
                "bridges[1].link.tls.key_file: \"" + pki.dir.file("missing.key") +
                    "\": cannot read: No such file or directory",
                "bridges[2].link.tls.ca_file: \"" + site.cert_file +
                    ".none\": cannot read: No such file or directory"}));
  ASSERT_EQ(report.warnings.size(), 1u);  // bridges 1 and 2 did not get as far
  EXPECT_EQ(report.warnings[0].path, "bridges[0].link.tls.key_file");
  const std::string expected = "warning: \"" + site.key_file + "\" is readable by every user (mode 0604)";
  EXPECT_EQ(report.warnings[0].message.rfind(expected, 0), 0u)
      << report.warnings[0].message;
}

TEST_F(TlsFileCheck, EveryMissingFileIsReported) {
  config::Config c = config::default_config();
  c.bridges = {tls_link(pki, site)};
  c.bridges[0].link.tls =
      config::LinkTlsConfig{"/nonexistent/a.crt", "/nonexistent/a.key", "/nonexistent/ca.crt", {}, ""};
  EXPECT_EQ(lines(check_tls_files(c).errors),
            (std::vector<std::string>{
                "bridges[0].link.tls.cert_file: \"/nonexistent/a.crt\": cannot read: No such file or directory",
                "bridges[0].link.tls.key_file: \"/nonexistent/a.key\": cannot read: No such file or directory",
                "bridges[0].link.tls.ca_file: \"/nonexistent/ca.crt\": cannot read: No such file or directory"}));
}

TEST_F(TlsFileCheck, DisabledBridgesAndPlaintextLinksAreNotOpened) {
  config::Config c = config::default_config();
  c.bridges = {tls_link(pki, site), tls_link(pki, site)};
  c.bridges[0].enabled = false;
  c.bridges[0].link.tls->cert_file = "/nonexistent/site.crt";
  c.bridges[1].link.tls.reset();
  EXPECT_TRUE(check_tls_files(c).errors.empty());
}

TEST_F(TlsFileCheck, CheckConfigPrintsEachProblemAtItsLine) {
  const auto other = pki.issue("site-b");
  const std::string path = pki.dir.file("ivyd.json");
  write_text_file(path, R"({
  "buses": [{"id": "main", "spec": "127.255.255.255:2010"}],
  "bridges": [{"id": "l", "type": "link", "bus": "main",
    "link": {"role": "listen", "listen": "127.0.0.1:7010",
      "tls": {"cert_file": ")" + site.cert_file + R"(",
              "key_file": ")" + other.key_file + R"(",
              "ca_file": ")" + pki.ca_file() + R"("}}}]
})");
  std::string out, err;
  EXPECT_EQ(run_command({bin_path("ivyd"), "--check-config", "--config", path}, &out, &err), 78);
  EXPECT_NE(err.find(path + ":6:27: bridges[0].link.tls.key_file: \"" + other.key_file +
                     "\": does not match the certificate in \"" + site.cert_file + "\""),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("has 1 problem"), std::string::npos) << err;

  // The right key, but readable by everybody: a warning, and OK.
  ::chmod(site.key_file.c_str(), 0644);
  const std::string text = ivy::test::read_text_file(path);
  write_text_file(path, std::string(text).replace(text.find(other.key_file), other.key_file.size(), site.key_file));
  EXPECT_EQ(run_command({bin_path("ivyd"), "--check-config", "--config", path}, &out, &err), 0) << err;
  EXPECT_EQ(out, path + ": configuration OK (1 warning)\n");
  EXPECT_NE(err.find(path + ":6:27: bridges[0].link.tls.key_file: warning: \"" + site.key_file +
                     "\" is readable by every user (mode 0644)"),
            std::string::npos)
      << err;
}

}  // namespace
}  // namespace ivy::daemon
