#include "config/json_reader.hpp"

#include <gtest/gtest.h>

namespace ivy::config {
namespace {

using nlohmann::json;

// Reads one object from text, keeping its positions alive for the sink.
struct Fixture {
  explicit Fixture(const char* text)
      : document(json::parse(text)),
        positions(JsonPositions::index(text)),
        sink("t.json", &positions) {}
  json document;
  JsonPositions positions;
  ProblemSink sink;
};

TEST(JsonReader, ReadsEachKindOfValue) {
  Fixture f(R"({"b": true, "s": "x", "o": null, "l": ["a", "b"], "i": 7, "bytes": "2KiB",
               "ms": "2s", "sec": 90, "e": "exit"})");
  bool b = false;
  std::string s;
  std::optional<std::string> o = "keep?";
  std::vector<std::string> l;
  std::uint32_t i = 0;
  std::uint64_t bytes = 0;
  std::chrono::milliseconds ms{0};
  std::chrono::seconds sec{0};
  DiePolicy e = DiePolicy::kIgnore;
  ObjectReader in(f.document, "", f.sink);
  in.read("b", b);
  in.read("s", s);
  in.read("o", o);
  in.read("l", l);
  in.read_integer("i", i, 1, 10);
  in.read_bytes("bytes", bytes, 0, 1 << 20);
  in.read_duration("ms", ms, 0, 10'000);
  in.read_duration("sec", sec, 0, 100);
  EXPECT_TRUE(in.read_enum("e", e, kDiePolicyNames));
  in.finish();
  EXPECT_TRUE(f.sink.empty()) << to_string(f.sink.take());
  EXPECT_TRUE(b);
  EXPECT_EQ(s, "x");
  EXPECT_EQ(o, "keep?");  // null = absent
  EXPECT_EQ(l, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(i, 7u);
  EXPECT_EQ(bytes, 2048u);
  EXPECT_EQ(ms.count(), 2000);
  EXPECT_EQ(sec.count(), 90);
  EXPECT_EQ(e, DiePolicy::kExit);
}

TEST(JsonReader, AbsentKeysKeepDefaults) {
  Fixture f("{}");
  std::string s = "default";
  ObjectReader in(f.document, "x", f.sink);
  in.read("s", s);
  in.finish();
  EXPECT_EQ(s, "default");
  EXPECT_TRUE(f.sink.empty());
}

TEST(JsonReader, TypeErrorsNameWhatWasExpectedAndGot) {
  Fixture f("{\"sec\": {\"s\": 12,\n \"b\": \"yes\",\n \"l\": [\"a\", 3]}}");
  std::string s;
  bool b = false;
  std::vector<std::string> l;
  ObjectReader in(f.document["sec"], "sec", f.sink);
  in.read("s", s);
  in.read("b", b);
  in.read("l", l);
  ConfigProblems problems = f.sink.take();
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(to_string(problems[0]), "t.json:1:15: sec.s: expected a string, got 12");
  EXPECT_EQ(to_string(problems[1]), "t.json:2:7: sec.b: expected true or false, got \"yes\"");
  EXPECT_EQ(to_string(problems[2]), "t.json:3:13: sec.l[1]: expected a string, got 3");
}

TEST(JsonReader, RangesAreChecked) {
  Fixture f(R"({"i": 0, "n": -3, "ms": 101, "bytes": "2GiB", "sec": "1500ms"})");
  std::uint32_t i = 5, n = 5;
  std::uint64_t bytes = 0;
  std::chrono::milliseconds ms{1};
  std::chrono::seconds sec{1};
  ObjectReader in(f.document, "", f.sink);
  in.read_integer("i", i, 1, 10);
  in.read_integer("n", n, 1, 10);
  in.read_duration("ms", ms, 1, 100);
  in.read_bytes("bytes", bytes, 0, 1 << 30);
  in.read_duration("sec", sec, 0, 100);
  ConfigProblems problems = f.sink.take();
  ASSERT_EQ(problems.size(), 5u);
  EXPECT_EQ(problems[0].message, "0: out of range 1-10");
  EXPECT_EQ(problems[1].message, "-3: out of range 1-10");
  EXPECT_EQ(problems[2].message, "101: out of range 1-100 ms");
  EXPECT_EQ(problems[3].message, "\"2GiB\": out of range 0-1073741824 bytes");
  EXPECT_EQ(problems[4].message, "\"1500ms\": not a whole number of seconds");
  EXPECT_EQ(i, 5u);  // unchanged
}

TEST(JsonReader, BadEnumListsAllowedValuesAndSuggests) {
  Fixture f(R"({"e": "exti"})");
  DiePolicy e = DiePolicy::kIgnore;
  ObjectReader in(f.document, "bus", f.sink);
  EXPECT_FALSE(in.read_enum("e", e, kDiePolicyNames));
  EXPECT_EQ(f.sink.take().at(0).message,
            "\"exti\": must be one of \"ignore\", \"exit\" (did you mean \"exit\"?)");
}

TEST(JsonReader, UnknownKeysAreReportedAtTheKeyWithASuggestion) {
  Fixture f(
      "{\"recorder\": {\"path\": \"a\",\n  \"pth\": \"b\", \"zzz\": 1, \"comment\": \"fine\"}}");
  std::string path;
  ObjectReader in(f.document["recorder"], "recorder", f.sink);
  in.read("path", path);
  in.read("queue_size", path);
  in.finish();
  ConfigProblems problems = f.sink.take();
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(to_string(problems[0]),
            "t.json:2:3: recorder.pth: unknown key \"pth\" (did you mean \"path\"?)");
  EXPECT_EQ(problems[1].message, "unknown key \"zzz\"");
}

TEST(JsonReader, CommentMustBeAString) {
  Fixture f(R"({"comment": 1})");
  ObjectReader in(f.document, "", f.sink);
  in.finish();
  EXPECT_EQ(f.sink.take().at(0).message, "expected a string, got 1");
}

TEST(JsonReader, NonObjectIsReportedOnceAndReadsDoNothing) {
  Fixture f(R"({"recorder": [1]})");
  ObjectReader in(f.document["recorder"], "recorder", f.sink);
  std::string s = "d";
  in.read("path", s);
  EXPECT_TRUE(in.require("path"));
  in.finish();
  ConfigProblems problems = f.sink.take();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(to_string(problems[0]), "t.json:1:14: recorder: expected an object, got an array");
}

TEST(JsonReader, MissingRequiredKeyIsLocatedAtItsObject) {
  Fixture f("{\"x\": 1,\n \"bridge\": {}}");
  ObjectReader in(f.document["bridge"], "bridge", f.sink);
  EXPECT_FALSE(in.require("id"));
  EXPECT_EQ(to_string(f.sink.take().at(0)), "t.json:2:12: bridge.id: missing required key \"id\"");
}

}  // namespace
}  // namespace ivy::config
