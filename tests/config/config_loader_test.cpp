#include "config/config_loader.hpp"

#include <filesystem>

#include <gtest/gtest.h>

namespace ivy::config {
namespace {

std::vector<std::string> lines(const ConfigResult& result) {
  std::vector<std::string> out;
  if (result) return out;
  for (const auto& problem : result.error()) out.push_back(to_string(problem));
  return out;
}

TEST(ConfigLoader, EmptyObjectIsTheDefaultConfig) {
  ConfigResult result = load_config_text("{}", "t.json");
  ASSERT_TRUE(result);
  EXPECT_EQ(*result, default_config());
}

TEST(ConfigLoader, ReportsTheBadSpecOfTheSecondBusWithItsPosition) {
  const char* text = R"({
  "buses": [
    {"id": "a"},
    {"id": "b", "spec": "127.0.0:99999"}
  ]
})";
  EXPECT_EQ(lines(load_config_text(text, "ivyd.json")),
            std::vector<std::string>{
                "ivyd.json:4:25: buses[1].spec: \"127.0.0:99999\": port out of range 1-65535"});
}

TEST(ConfigLoader, ReportsABadMetricsListenAddressWithItsPosition) {
  const char* text = R"({
  "metrics": {"listen": "[::1]:9643"}
})";
  EXPECT_EQ(lines(load_config_text(text, "ivyd.json")),
            std::vector<std::string>{
                "ivyd.json:2:25: metrics.listen: \"[::1]:9643\": expected a numeric IPv4 "
                "address and a port, e.g. \"127.0.0.1:9643\""});
}

TEST(ConfigLoader, SyntaxErrorHasLineAndColumn) {
  const char* text = "{\n  \"buses\": [\n    {\"spec\": \"x\",}\n  ]\n}";
  std::vector<std::string> out = lines(load_config_text(text, "bad.json"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].rfind("bad.json:3:18: JSON syntax error: ", 0), 0u) << out[0];
}

TEST(ConfigLoader, SyntaxErrorAtEndOfInput) {
  std::vector<std::string> out = lines(load_config_text("{\"a\": 1", "t.json"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].rfind("t.json:1:8: JSON syntax error: ", 0), 0u) << out[0];
  EXPECT_EQ(lines(load_config_text("", "t.json")).size(), 1u);
}

TEST(ConfigLoader, ReportsEveryProblemInTextOrder) {
  const char* text = R"({
  "recoder": {},
  "buses": [
    {"id": "main", "die_policy": "die"},
    {"id": "main", "spec": "10.300:2010", "record": "yes"}
  ],
  "bridges": [
    {"id": "x", "type": "bus", "bus": "main", "peer_bus": "nowhere"}
  ],
  "allowed_networks": ["10.0.0.0/33"],
  "logging": {"level": "loud"}
})";
  EXPECT_EQ(
      lines(load_config_text(text, "t.json")),
      (std::vector<std::string>{
          "t.json:2:3: recoder: unknown key \"recoder\" (did you mean \"recorder\"?)",
          "t.json:4:34: buses[0].die_policy: \"die\": must be one of \"ignore\", \"exit\"",
          "t.json:5:12: buses[1].id: duplicate bus id \"main\" (first at buses[0].id)",
          "t.json:5:28: buses[1].spec: \"10.300:2010\": element 300 out of range 0-255",
          "t.json:5:53: buses[1].record: expected true or false, got \"yes\"",
          "t.json:8:59: bridges[0].peer_bus: no bus with id \"nowhere\"",
          "t.json:10:24: allowed_networks[0]: \"10.0.0.0/33\": prefix length \"33\" out of range "
          "0-32",
          "t.json:11:24: logging.level: \"loud\": must be one of \"debug\", \"info\", \"notice\", "
          "\"warning\", \"error\""}));
}

// Found by config_loader_fuzz: problems quoting a key that holds LF must
// still print one per line.
TEST(ConfigLoader, KeyWithControlBytesStaysOnOneLine) {
  const ConfigResult result = load_config_text(R"({"a\nb": 1})", "t.json");
  ASSERT_FALSE(result);
  ASSERT_EQ(result.error().size(), 1u);
  EXPECT_EQ(result.error()[0].path, "[\"a\nb\"]");
  EXPECT_EQ(to_string(result.error()), "t.json:1:2: [\"a\\nb\"]: unknown key \"a\\nb\"\n");
}

// Found by config_loader_fuzz: nlohmann throws out_of_range (not
// parse_error) for a number too large for a double; it escaped the loader and
// terminated the process (ivyd --check-config, or a reload).
TEST(ConfigLoader, NumberTooLargeForADoubleIsASyntaxError) {
  EXPECT_EQ(lines(load_config_text("{\n  \"limits\": {\"max_peers\": 1e400}}", "t.json")),
            (std::vector<std::string>{
                "t.json:2:27: JSON syntax error: number overflow parsing '1e400'"}));
  const ConfigResult nested = load_config_text(R"({"a": [1, 18446744073.01e39551615]})", "t.json");
  ASSERT_FALSE(nested);
  ASSERT_EQ(nested.error().size(), 1u);
  EXPECT_EQ(nested.error()[0].line, 1);
  EXPECT_EQ(nested.error()[0].column, 11);  // the number's first byte
}

TEST(ConfigLoader, RepeatedKeyIsAProblem) {
  EXPECT_EQ(
      lines(load_config_text("{\"logging\": {\"level\": \"info\",\n \"level\": \"debug\"}}", "t")),
      std::vector<std::string>{
          "t:2:2: logging.level: key repeated in the same object (the last one would win)"});
}

TEST(ConfigLoader, ValueReportedWhileReadingIsNotReportedAgain) {
  // The missing peer_bus would also fail the reference check; report it once.
  EXPECT_EQ(
      lines(load_config_text(R"({"bridges": [{"id": "x", "type": "bus", "bus": "main"}]})", "t")),
      std::vector<std::string>{"t:1:14: bridges[0].peer_bus: missing required key \"peer_bus\""});
}

TEST(ConfigLoader, EmptyBusListIsReportedAtTheList) {
  EXPECT_EQ(lines(load_config_text("{\n  \"buses\": []}", "t")),
            std::vector<std::string>{"t:2:12: buses: at least one bus is required"});
}

TEST(ConfigLoader, CommentKeysAreAccepted) {
  EXPECT_TRUE(load_config_text(R"({"comment": "hi", "buses": [{"comment": "x"}]})", "t"));
}

TEST(ConfigLoader, MissingFileIsOneProblem) {
  std::vector<std::string> out = lines(load_config_file("/nonexistent/ivyd.json"));
  EXPECT_EQ(out, std::vector<std::string>{
                     "/nonexistent/ivyd.json: cannot read: No such file or directory"});
}

TEST(ConfigLoader, PackagedConfigLoadsAndMatchesTheDocumentedSetup) {
  ConfigResult result = load_config_file(IVYD_SOURCE_DIR "/packaging/ivyd.json");
  ASSERT_TRUE(result) << to_string(result.error());
  ASSERT_EQ(result->buses.size(), 1u);
  EXPECT_EQ(result->buses[0].spec, "127.255.255.255:2010");
  EXPECT_EQ(result->recorder.path, "/var/lib/ivyd/ivyd.db");
  EXPECT_EQ(result->status.path, "/run/ivyd/ivyd.sock");
  EXPECT_FALSE(result->metrics.enabled);
  EXPECT_EQ(result->metrics.listen, "127.0.0.1:9643");
  // One example bridge, disabled: a TLS link whose files a fresh install
  // does not have (ivyd --check-config opens them only once it is enabled).
  ASSERT_EQ(result->bridges.size(), 1u);
  EXPECT_FALSE(result->bridges[0].enabled);
  EXPECT_EQ(result->bridges[0].type, BridgeType::kLink);
  ASSERT_TRUE(result->bridges[0].link.tls.has_value());
  EXPECT_EQ(result->bridges[0].link.tls->server_name, "site-b.example.net");
}

TEST(ConfigLoader, EveryDocumentedExampleLoads) {
  int examples = 0;
  for (const auto& entry : std::filesystem::directory_iterator(IVYD_SOURCE_DIR "/docs/examples")) {
    if (entry.path().extension() != ".json") continue;
    ++examples;
    ConfigResult result = load_config_file(entry.path().string());
    EXPECT_TRUE(result) << entry.path() << "\n" << (result ? "" : to_string(result.error()));
  }
  EXPECT_GE(examples, 5);
}

}  // namespace
}  // namespace ivy::config
