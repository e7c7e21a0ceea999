#include "core/mqtt_topic.hpp"

#include <gtest/gtest.h>

namespace ivy {
namespace {

TEST(MqttTopic, IsThePrefixAndTheFirstWord) {
  EXPECT_EQ(mqtt_topic("ivy/lab1", "TrackMovedEvent Flight=1234 x=3"), "ivy/lab1/TrackMovedEvent");
  EXPECT_EQ(mqtt_topic("ivy", "ALONE"), "ivy/ALONE");
  EXPECT_EQ(mqtt_topic("ivy", "tab\tis part of the word"), "ivy/tab_is");
}

TEST(MqttTopic, WildcardsSeparatorsAndNulBecomeUnderscores) {
  EXPECT_EQ(mqtt_topic("p", "a+b#c/d rest"), "p/a_b_c_d");
  EXPECT_EQ(mqtt_topic("p", std::string("x\0y z", 5)), "p/x_y");
  EXPECT_EQ(mqtt_topic("p", "///"), "p/___");
}

TEST(MqttTopic, AnEmptyFirstWordBecomesAnUnderscore) {
  EXPECT_EQ(mqtt_topic("p", ""), "p/_");
  EXPECT_EQ(mqtt_topic("p", " leading space"), "p/_");
}

TEST(MqttTopic, InvalidUtf8AndControlCharactersBecomeUnderscoresOnePerByte) {
  EXPECT_EQ(mqtt_topic_word("caf\xc3\xa9 x"), "caf\xc3\xa9");                 // valid: kept
  EXPECT_EQ(mqtt_topic_word("a\xff\xfe"), "a__");                             // not UTF-8
  EXPECT_EQ(mqtt_topic_word("a\xc3"), "a_");                                  // truncated sequence
  EXPECT_EQ(mqtt_topic_word("\xe0\x80\xaf"), "___");                          // overlong '/'
  EXPECT_EQ(mqtt_topic_word("\xed\xa0\x80"), "___");                          // a surrogate
  EXPECT_EQ(mqtt_topic_word("a\x01\x1f\x7f" "b"), "a___b");                   // C0 controls, DEL
  EXPECT_EQ(mqtt_topic_word("\xc2\x85"), "__");                               // a C1 control
  EXPECT_EQ(mqtt_topic_word("\xef\xbf\xbf"), "___");                          // U+FFFF
  EXPECT_EQ(mqtt_topic_word("\xf0\x9f\x9a\x80"), "\xf0\x9f\x9a\x80");         // U+1F680 kept
}

TEST(MqttTopic, AVeryLongWordIsCutToFitMqttsLimitAtACharacterBoundary) {
  std::string word;
  for (int i = 0; i < 30000; ++i) word += "\xc3\xa9";  // 60,000 bytes of 'é'
  const std::string prefix(10000, 'p');
  const std::string topic = mqtt_topic(prefix, word + " tail");
  EXPECT_LE(topic.size(), kMaxMqttTopicBytes);
  EXPECT_GT(topic.size(), kMaxMqttTopicBytes - 2);
  EXPECT_TRUE(is_mqtt_utf8(topic));
}

TEST(MqttUtf8, ReplacesEachRefusedByteAndKeepsTheRest) {
  EXPECT_EQ(mqtt_utf8("radar\xff-1\n"), "radar?-1?");
  EXPECT_EQ(mqtt_utf8("ok \xc3\xa9"), "ok \xc3\xa9");
  EXPECT_TRUE(is_mqtt_utf8(mqtt_utf8(std::string("\0\x80\xc0\xaf\xf5", 5))));
}

TEST(MqttTopicPrefix, AcceptsPlainPrefixes) {
  EXPECT_TRUE(check_mqtt_topic_prefix("ivy/lab1").ok());
  EXPECT_TRUE(check_mqtt_topic_prefix("ivy").ok());
  EXPECT_TRUE(check_mqtt_topic_prefix("sites/\xc3\xa9t\xc3\xa9/ivy").ok());
}

TEST(MqttTopicPrefix, RefusesWildcardsEdgesSlashesDollarAndEmpty) {
  for (const char* bad : {"", "ivy/+", "ivy/#", "iv+y", "/ivy", "ivy/", "$SYS/ivy"}) {
    const auto st = check_mqtt_topic_prefix(bad);
    EXPECT_FALSE(st.ok()) << bad;
    if (!st.ok()) {
      EXPECT_EQ(st.error().message.rfind("\"" + std::string(bad) + "\": ", 0), 0u) << st.error().message;
    }
  }
  EXPECT_FALSE(check_mqtt_topic_prefix(std::string("a\0b", 3)).ok());
  EXPECT_FALSE(check_mqtt_topic_prefix("a\xff").ok());
  std::string deep = "l";
  for (int i = 0; i < 199; ++i) deep += "/l";
  EXPECT_FALSE(check_mqtt_topic_prefix(deep).ok());
  EXPECT_FALSE(check_mqtt_topic_prefix(std::string(40000, 'x')).ok());
}

TEST(MqttTopicFilter, AcceptsWildcardsAsWholeLevels) {
  for (const char* good : {"ivy/+/#", "#", "+", "ivy/#", "+/x/+", "ivy/lab2/TrackMoved", "a//b"}) {
    EXPECT_TRUE(check_mqtt_topic_filter(good).ok()) << good;
  }
}

TEST(MqttTopicFilter, RefusesWildcardsInsideLevelsAndHashBeforeTheEnd) {
  for (const char* bad : {"", "ivy/a+", "ivy/+a", "ivy/#/x", "ivy#", "a/b#"}) {
    EXPECT_FALSE(check_mqtt_topic_filter(bad).ok()) << bad;
  }
  EXPECT_FALSE(check_mqtt_topic_filter(std::string("a\0", 2)).ok());
}

}  // namespace
}  // namespace ivy
