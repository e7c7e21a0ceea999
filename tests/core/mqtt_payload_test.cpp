#include "core/mqtt_payload.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace ivy {
namespace {

TEST(MqttPayload, EncodesEveryFieldWithAnIsoUtcTime) {
  MqttJsonMessage m{"TrackMoved id=12", "radar", "main", "lab1", 1'764'583'200'123'456'789};
  const auto doc = nlohmann::json::parse(encode_mqtt_json(m));
  EXPECT_EQ(doc["text"], "TrackMoved id=12");
  EXPECT_EQ(doc["sender"], "radar");
  EXPECT_EQ(doc["bus"], "main");
  EXPECT_EQ(doc["site"], "lab1");
  EXPECT_EQ(doc["time"], "2025-12-01T10:00:00.123456Z");
  EXPECT_EQ(doc.size(), 5u);
}

TEST(MqttPayload, TimeIsUtcForAnyDate) {
  EXPECT_EQ(iso8601_utc(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(iso8601_utc(951'782'400'000'001'000), "2000-02-29T00:00:00.000001Z");
  EXPECT_EQ(iso8601_utc(4'102'444'799'999'999'999), "2099-12-31T23:59:59.999999Z");
  EXPECT_EQ(iso8601_utc(-1'000), "1969-12-31T23:59:59.999999Z");
}

TEST(MqttPayload, BytesThatAreNotUtf8BecomeReplacementCharacters) {
  MqttJsonMessage m{"temp \xff\xfe 21", "agent\x80", "main", "lab", 0};
  const auto doc = nlohmann::json::parse(encode_mqtt_json(m));
  EXPECT_EQ(doc["text"], "temp \xef\xbf\xbd\xef\xbf\xbd 21");
  EXPECT_EQ(doc["sender"], "agent\xef\xbf\xbd");
}

TEST(MqttPayload, ControlCharactersAreEscapedAndComeBack) {
  MqttJsonMessage m{"a\"b\\c\td", "s", "b", "x", 0};
  const auto back = decode_mqtt_json(encode_mqtt_json(m));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->text, m.text);
  EXPECT_EQ(back->sender, "s");
  EXPECT_EQ(back->bus, "b");
  EXPECT_EQ(back->site, "x");
}

TEST(MqttPayload, DecodesOnlyObjectsWithAStringText) {
  EXPECT_FALSE(decode_mqtt_json("PLAIN text").has_value());
  EXPECT_FALSE(decode_mqtt_json("").has_value());
  EXPECT_FALSE(decode_mqtt_json("{\"text\": 12}").has_value());
  EXPECT_FALSE(decode_mqtt_json("{\"value\": \"x\"}").has_value());
  EXPECT_FALSE(decode_mqtt_json("{\"text\": \"unterminated").has_value());
  EXPECT_FALSE(decode_mqtt_json("[\"text\"]").has_value());
  const auto m = decode_mqtt_json(R"({"text": "HELLO 1", "sender": 3})");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->text, "HELLO 1");
  EXPECT_EQ(m->sender, "");
}

}  // namespace
}  // namespace ivy
