#include "config/central_check.hpp"

#include <gtest/gtest.h>

namespace ivy::config {
namespace {

TEST(CentralCheck, AcceptsLibpqUris) {
  EXPECT_TRUE(check_central_url("postgresql://ivyd@db.lab:5432/ivy"));
  EXPECT_TRUE(check_central_url("postgres://db.lab/ivy?sslmode=verify-full&connect_timeout=5"));
  EXPECT_TRUE(check_central_url("postgresql://[::1]:5433/ivy"));
  EXPECT_TRUE(check_central_url("postgresql:///ivy?host=/run/postgresql"));
}

TEST(CentralCheck, RefusesKeywordFormAndOtherSchemes) {
  const auto keywords = check_central_url("host=db.lab dbname=ivy");
  ASSERT_FALSE(keywords);
  EXPECT_NE(keywords.error().message.find("expected a PostgreSQL connection URI"), std::string::npos);
  EXPECT_FALSE(check_central_url("mysql://db.lab/ivy"));
  EXPECT_FALSE(check_central_url(""));
}

TEST(CentralCheck, ReportsWhatLibpqSaysAboutABadUri) {
  const auto bad_option = check_central_url("postgresql://db.lab/ivy?sslmode=sometimes&nonsense=1");
  ASSERT_FALSE(bad_option);
  EXPECT_NE(bad_option.error().message.find("nonsense"), std::string::npos) << bad_option.error().message;
  EXPECT_EQ(bad_option.error().message.rfind("\"postgresql://db.lab/ivy?", 0), 0u);
  const auto bad_host = check_central_url("postgresql://[::1/ivy");
  ASSERT_FALSE(bad_host);
  EXPECT_NE(bad_host.error().message.find("IPv6"), std::string::npos) << bad_host.error().message;
}

TEST(CentralCheck, PortsAreNumbers) {
  const auto word = check_central_url("postgresql://db.lab:port/ivy");
  ASSERT_FALSE(word);
  EXPECT_EQ(word.error().message,
            "\"postgresql://db.lab:port/ivy\": invalid integer value \"port\" for connection option \"port\" (1-65535)");
  EXPECT_FALSE(check_central_url("postgresql://db.lab:70000/ivy"));
  EXPECT_FALSE(check_central_url("postgresql://a:5432,b:x/ivy"));
  EXPECT_TRUE(check_central_url("postgresql://a:5432,b:5433/ivy"));
  EXPECT_TRUE(check_central_url("postgresql://a,b/ivy"));
}

TEST(CentralCheck, FindsAPasswordInTheUri) {
  EXPECT_TRUE(url_has_password("postgresql://ivyd:secret@db.lab/ivy"));
  EXPECT_TRUE(url_has_password("postgresql://db.lab/ivy?password=secret"));
  EXPECT_FALSE(url_has_password("postgresql://ivyd@db.lab/ivy"));
  EXPECT_FALSE(url_has_password("not a uri ="));
}

TEST(CentralCheck, SiteNamesAreHostNameLike) {
  EXPECT_TRUE(check_site_name("bench-3.lab_A"));
  EXPECT_FALSE(check_site_name(""));
  EXPECT_FALSE(check_site_name("with space"));
  EXPECT_FALSE(check_site_name("a/b"));
  EXPECT_FALSE(check_site_name(std::string(kMaxSiteLength + 1, 'x')));
  EXPECT_TRUE(check_site_name(std::string(kMaxSiteLength, 'x')));
}

}  // namespace
}  // namespace ivy::config
