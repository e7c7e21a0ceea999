#include "core/mqtt_topic.hpp"

#include <algorithm>

namespace ivy {
namespace {

// The length of the character at the start of `s` if MQTT (as mosquitto's
// mosquitto_validate_utf8 checks it) accepts it, else 0: malformed or
// overlong UTF-8, surrogates, code points past U+10FFFF, NUL and the other
// control characters, and the noncharacters are refused.
std::size_t accepted_char(std::string_view s) {
  const auto c = static_cast<unsigned char>(s[0]);
  std::size_t length = 0;
  char32_t code = 0;
  if (c < 0x80) return c > 0x1F && c != 0x7F ? 1 : 0;
  if (c >= 0xC2 && c <= 0xDF) {
    length = 2;
    code = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    length = 3;
    code = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    length = 4;
    code = c & 0x07;
  } else {
    return 0;  // a continuation byte, C0, C1, or F5 and above
  }
  if (s.size() < length) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    const auto next = static_cast<unsigned char>(s[i]);
    if ((next & 0xC0) != 0x80) return 0;
    code = (code << 6) | (next & 0x3F);
  }
  const bool overlong = (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
  const bool surrogate = code >= 0xD800 && code <= 0xDFFF;
  const bool noncharacter = (code >= 0xFDD0 && code <= 0xFDEF) || (code & 0xFFFE) == 0xFFFE;
  const bool control = code <= 0x9F;  // U+0080-U+009F (ASCII is handled above)
  if (overlong || surrogate || noncharacter || control || code > 0x10FFFF) return 0;
  return length;
}

bool is_reserved_in_word(char c) { return c == '+' || c == '#' || c == '/'; }

Status fail_topic(std::string_view text, const std::string& why) {
  return fail("\"" + std::string(text) + "\": " + why);
}

std::size_t count_levels(std::string_view topic) {
  return static_cast<std::size_t>(std::count(topic.begin(), topic.end(), '/')) + 1;
}

}  // namespace

std::string mqtt_topic_word(std::string_view text, std::size_t max_bytes) {
  const std::string_view word = text.substr(0, text.find(' '));
  std::string out;
  out.reserve(std::min(word.size(), max_bytes));
  for (std::size_t i = 0; i < word.size();) {
    const std::size_t n = accepted_char(word.substr(i));
    const std::size_t take = n == 0 ? 1 : n;
    if (out.size() + take > max_bytes) break;  // cut at a character boundary
    if (n == 0 || (n == 1 && is_reserved_in_word(word[i])))
      out += '_';
    else
      out.append(word.substr(i, n));
    i += take;
  }
  return out.empty() ? "_" : out;
}

std::string mqtt_topic(std::string_view prefix, std::string_view text) {
  std::string topic(prefix);
  topic += '/';
  const std::size_t room =
      kMaxMqttTopicBytes > topic.size() ? kMaxMqttTopicBytes - topic.size() : 1;
  topic += mqtt_topic_word(text, room);
  return topic;
}

std::string mqtt_utf8(std::string_view text, char replacement) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = accepted_char(text.substr(i));
    if (n == 0) {
      out += replacement;
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

bool is_mqtt_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = accepted_char(text.substr(i));
    if (n == 0) return false;
    i += n;
  }
  return true;
}

Status check_mqtt_topic_prefix(std::string_view prefix) {
  if (prefix.empty()) return fail_topic(prefix, "a topic prefix must not be empty");
  if (prefix.size() > kMaxMqttTopicBytes / 2) {
    return fail_topic(prefix.substr(0, 40), "topic prefix too long (at most 32,767 bytes)");
  }
  if (!is_mqtt_utf8(prefix)) {
    return fail_topic(prefix, "a topic is UTF-8 without control characters");
  }
  if (prefix.find_first_of("+#") != std::string_view::npos) {
    return fail_topic(
        prefix, "a topic prefix has no wildcard ('+' or '#'): messages are published under it");
  }
  if (prefix.front() == '/' || prefix.back() == '/') {
    return fail_topic(prefix, "a topic prefix neither starts nor ends with '/' (\"ivy/lab1\")");
  }
  if (prefix.front() == '$')
    return fail_topic(prefix, "topics starting with '$' are the broker's own");
  if (count_levels(prefix) >= 200) return fail_topic(prefix, "more than 199 topic levels");
  return {};
}

Status check_mqtt_topic_filter(std::string_view filter) {
  if (filter.empty()) return fail_topic(filter, "a topic filter must not be empty");
  if (filter.size() > kMaxMqttTopicBytes)
    return fail_topic(filter.substr(0, 40), "topic filter too long");
  if (!is_mqtt_utf8(filter))
    return fail_topic(filter, "a topic filter is UTF-8 without control characters");
  for (std::size_t i = 0; i < filter.size(); ++i) {
    const bool level_start = i == 0 || filter[i - 1] == '/';
    const bool level_end = i + 1 == filter.size() || filter[i + 1] == '/';
    if (filter[i] == '+' && !(level_start && level_end)) {
      return fail_topic(filter, "'+' must be a whole topic level (\"ivy/+/x\")");
    }
    if (filter[i] == '#' && !(level_start && i + 1 == filter.size())) {
      return fail_topic(filter, "'#' must be the whole last topic level (\"ivy/#\")");
    }
  }
  return {};
}

}  // namespace ivy
