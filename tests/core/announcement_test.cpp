#include "core/announcement.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace ivy {
namespace {

using namespace std::string_literals;

Announcement parse_ok(std::string_view line) {
  auto r = parse_announcement(line);
  EXPECT_TRUE(r) << "'" << line << "': " << (r ? "" : r.error().message);
  return r ? *r : Announcement{};
}

// ---- Format: exact bytes ----

TEST(Announcement, FormatsTheIvyCCapture) {  // §2.2 [V]
  EXPECT_EQ(*format_announcement(39931, "140011005:1795542576645:39931", "CPROBE"),
            "3 39931 140011005:1795542576645:39931 CPROBE\n");
}

TEST(Announcement, FormatsTheIvyPythonCapture) {  // §2.2 [V]
  EXPECT_EQ(*format_announcement(35123, "PYAGENT202611241751436569735123", "PYAGENT"),
            "3 35123 PYAGENT202611241751436569735123 PYAGENT\n");
}

TEST(Announcement, FormatsANameWithSpaces) {
  EXPECT_EQ(*format_announcement(1234, "id", "My Agent 2"), "3 1234 id My Agent 2\n");
}

TEST(Announcement, RefusesAnEmptyOrBlankOrTooLongId) {
  EXPECT_FALSE(format_announcement(1234, "", "name"));
  EXPECT_FALSE(format_announcement(1234, "my id", "name"));
  EXPECT_FALSE(format_announcement(1234, "id\t", "name"));
  EXPECT_FALSE(format_announcement(1234, "id\n", "name"));
  EXPECT_FALSE(format_announcement(1234, "id\x7f", "name"));
  EXPECT_FALSE(format_announcement(1234, std::string(128, 'x'), "name"));
  EXPECT_TRUE(format_announcement(1234, std::string(127, 'x'), "name"));
  const auto r = format_announcement(1234, "a b", "name");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("app-id"), std::string::npos);
}

TEST(Announcement, RefusesANameWithLfOrNulOrTooLong) {
  const auto r = format_announcement(1234, "id", "bad\nname");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("LF"), std::string::npos);
  EXPECT_FALSE(format_announcement(1234, "id", "bad\0name"s));
  EXPECT_FALSE(format_announcement(1234, "id", std::string(2048, 'n')));
  EXPECT_TRUE(format_announcement(1234, "id", std::string(2047, 'n')));
}

// ---- Parse: exact bytes -> values ----

TEST(Announcement, ParsesTheIvyCCapture) {
  const auto a = parse_ok("3 39931 140011005:1795542576645:39931 CPROBE");
  EXPECT_EQ(a.version, 3);
  EXPECT_EQ(a.port, 39931);
  EXPECT_EQ(a.app_id, "140011005:1795542576645:39931");
  EXPECT_EQ(a.app_name, "CPROBE");
  EXPECT_FALSE(a.legacy());
}

TEST(Announcement, ParsesTheIvyPythonCapture) {
  const auto a = parse_ok("3 35123 PYAGENT202611241751436569735123 PYAGENT");
  EXPECT_EQ(a.port, 35123);
  EXPECT_EQ(a.app_id, "PYAGENT202611241751436569735123");
  EXPECT_EQ(a.app_name, "PYAGENT");
}

TEST(Announcement, ParsesTheLegacyForm) {
  const auto a = parse_ok("3 4567");
  EXPECT_EQ(a.port, 4567);
  EXPECT_TRUE(a.legacy());
  EXPECT_TRUE(a.app_id.empty());
  EXPECT_TRUE(a.app_name.empty());
}

TEST(Announcement, KeepsSpacesInsideTheName) {
  const auto a = parse_ok("3 1234 id  My Agent  2 ");
  EXPECT_EQ(a.app_id, "id");
  EXPECT_EQ(a.app_name, "My Agent  2 ");
}

TEST(Announcement, ParsesAnIdWithoutName) {
  const auto a = parse_ok("3 1234 someid");
  EXPECT_EQ(a.app_id, "someid");
  EXPECT_TRUE(a.app_name.empty());
}

TEST(Announcement, StripsAFinalCr) {
  const auto a = parse_ok("3 1234 id NAME\r");
  EXPECT_EQ(a.app_name, "NAME");
}

TEST(Announcement, RefusesAnotherVersionAndNamesIt) {  // §2.5 step 2
  for (const char* line : {"4 1234 id name", "2 1234", "30 1234 id x"}) {
    const auto r = parse_announcement(line);
    ASSERT_FALSE(r) << line;
    EXPECT_NE(r.error().message.find("got " + std::string(line, std::string_view(line).find(' '))),
              std::string::npos)
        << r.error().message;
  }
}

TEST(Announcement, RefusesTooFewFields) {
  for (const char* line : {"", "3", "3 ", "   "}) {
    const auto r = parse_announcement(line);
    ASSERT_FALSE(r) << "'" << line << "'";
    EXPECT_NE(r.error().message.find("expected 'version port'"), std::string::npos);
  }
}

TEST(Announcement, RefusesABadPort) {
  for (const char* line : {"3 0 id name", "3 65536 id name", "3 -1 id name", "3 port id name",
                           "3 12ab id name", "3 99999999999999999999999 id"}) {
    const auto r = parse_announcement(line);
    ASSERT_FALSE(r) << line;
    EXPECT_NE(r.error().message.find("port"), std::string::npos) << r.error().message;
  }
  EXPECT_EQ(parse_ok("3 65535 id n").port, 65535);
}

TEST(Announcement, RefusesANonNumericVersion) {
  EXPECT_FALSE(parse_announcement("v3 1234 id name"));
  EXPECT_FALSE(parse_announcement("hello world"));
}

TEST(Announcement, AcceptsALongIdAndNameOnReceive) {
  // Regression: parse refused an app-id over 127 bytes or a name over 2047,
  // limits that exist only for what we send (ivy-c's buffers). An ivy-python
  // agent with a 120-byte name has a 139-byte id (name + 19 digits + port,
  // §2.3); refusing it meant never connecting to that agent (§12: accept).
  const std::string name(120, 'P');
  const std::string id = name + "2026112417514365697" + "35123";
  const auto a = parse_ok("3 35123 " + id + " " + name);
  EXPECT_EQ(a.app_id, id);
  EXPECT_EQ(a.app_name, name);
  EXPECT_EQ(parse_ok("3 1 id " + std::string(5000, 'n')).app_name.size(), 5000u);
}

// ---- Datagrams ----

TEST(Announcement, ParsesADatagramWithOrWithoutItsLf) {
  for (const char* datagram : {"3 39931 140011005:1795542576645:39931 CPROBE\n",
                               "3 39931 140011005:1795542576645:39931 CPROBE"}) {
    const auto results = parse_datagram(datagram);
    ASSERT_EQ(results.size(), 1u);
    ASSERT_TRUE(results[0]);
    EXPECT_EQ(results[0]->app_name, "CPROBE");
  }
}

TEST(Announcement, ParsesEveryLineOfADatagram) {
  const auto results = parse_datagram("3 1000 a A\n\n4 1001 b B\r\n3 1002\n3 1003 c C c\r\n");
  ASSERT_EQ(results.size(), 4u);
  ASSERT_TRUE(results[0]);
  EXPECT_EQ(results[0]->app_id, "a");
  EXPECT_FALSE(results[1]);  // version 4
  ASSERT_TRUE(results[2]);
  EXPECT_TRUE(results[2]->legacy());
  ASSERT_TRUE(results[3]);
  EXPECT_EQ(results[3]->app_name, "C c");
}

TEST(Announcement, ParsesACrlfDatagram) {
  const auto results = parse_datagram("3 1234 id NAME\r\n");
  ASSERT_EQ(results.size(), 1u);
  ASSERT_TRUE(results[0]);
  EXPECT_EQ(results[0]->app_name, "NAME");
}

TEST(Announcement, SkipsBlankLinesInADatagram) {
  EXPECT_TRUE(parse_datagram("").empty());
  EXPECT_TRUE(parse_datagram("\n\r\n  \n").empty());
}

TEST(Announcement, ParsesADatagramFedByteByByteLikeOneChunk) {
  // parse_datagram takes whole datagrams; a datagram cut short anywhere must
  // still parse to values without crashing.
  const std::string datagram =
      "3 39931 140011005:1795542576645:39931 CPROBE\n3 35123 PY PY AGENT\n";
  for (std::size_t n = 0; n <= datagram.size(); ++n) {
    const auto results = parse_datagram(std::string_view(datagram).substr(0, n));
    EXPECT_LE(results.size(), 2u);
  }
  EXPECT_EQ(parse_datagram(datagram).size(), 2u);
}

TEST(Announcement, RoundTripsWhatItFormats) {
  for (const auto& [id, name] :
       std::vector<std::pair<std::string, std::string>>{{"140011005:1795542576645:39931", "CPROBE"},
                                                        {"x", "name with  spaces"},
                                                        {"id", ""},
                                                        {"\xc3\xa9t\xc3\xa9", "caf\xe9"}}) {
    const auto wire = format_announcement(4242, id, name);
    ASSERT_TRUE(wire);
    const auto results = parse_datagram(*wire);
    ASSERT_EQ(results.size(), 1u);
    ASSERT_TRUE(results[0]);
    EXPECT_EQ(results[0]->port, 4242);
    EXPECT_EQ(results[0]->app_id, id);
    EXPECT_EQ(results[0]->app_name, name);
  }
}

TEST(Announcement, MakesAnIvyCStyleAppId) {  // §2.3
  EXPECT_EQ(make_app_id(140011005, 1795542576645ull, 39931), "140011005:1795542576645:39931");
  EXPECT_EQ(make_app_id(0, 0, 0), "0:0:0");
  const auto id = make_app_id(4294967295u, 18446744073709551615ull, 65535);
  EXPECT_EQ(id, "4294967295:18446744073709551615:65535");
  EXPECT_TRUE(format_announcement(65535, id, "X"));  // always a valid id
}

}  // namespace
}  // namespace ivy
