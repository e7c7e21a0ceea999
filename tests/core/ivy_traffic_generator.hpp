#pragma once
// IvyTrafficGenerator: deterministic air-traffic-style Ivy subscriptions and
// messages, shaped like ivy-c's 3,079-pattern test set (anchored `^Word
// Key=(\S+)` subscriptions, a few catch-alls, alternations, classes, optional
// groups) plus the patterns Hyperscan cannot take exactly (back-references,
// lookarounds, atomic groups, possessives, `\K`, `(?|`, embedded `$`), shared
// texts held by several peers, and messages in ASCII, UTF-8, Latin-1, long
// and with a final LF. Used by the differential tests and matcher_bench.

#include <cstdint>
#include <string>
#include <vector>

#include "core/matcher.hpp"

namespace ivy::test {

// kMixed: every shape, 1 in 24 of each, plus catch-alls (the tests).
// kAirTraffic: the plain air-traffic shapes only (ivy-c's test set has no
// back-references or `(.*)`), one exotic pattern in 500: the benchmark.
enum class TrafficProfile { kMixed, kAirTraffic };

struct GeneratedSubscription {
  PeerKey peer = 0;
  int regexp_id = 0;
  std::string pattern;
};

class IvyTrafficGenerator {
 public:
  explicit IvyTrafficGenerator(std::uint64_t seed = 42) : state_(seed * 2654435761u + 1) {}

  // The pattern shapes; `flight` makes each text distinct.
  static std::string pattern(int shape, int flight) {
    const std::string f = std::to_string(flight);
    switch (shape % 24) {
      case 0: return "^AircraftDelete Flight=" + f + "(\\d*)";
      case 1: return "^TrackMovedEvent Flight=" + f + " X=(\\S+) Y=(\\S+)";
      case 2: return "^AddSharedStrip\\s+Position=PAO\\s+Flight=" + f +
                     "\\s+color=(\\S*)\\s+X=(\\S*)\\s+Y=(\\S*)";
      case 3: return "Callsign=" + f + "\\b";
      case 4: return "^(Aircraft|Track)(Delete|MovedEvent) Flight=" + f + "\\b";
      case 5: return "^SectorStatus Sector=[A-Z]{2}" + f + " Status=(ON|OFF)";
      case 6: return "^PlnEvent Flight=" + f + "(?: Time=(\\S+))?( Fl=(\\d+))?";
      case 7: return "^Stop Flight=" + f + "$";
      case 8: return "^Dot Flight=" + f + ".X(.*)";
      case 9: return "^Caf\xe9 " + f + " (\\w+)";
      case 10: return "(?i)^aircraftdelete flight=" + f + "$";
      case 11: return "^Echo" + f + " (\\w+) \\1";                  // back-reference
      case 12: return "^Radar(?= Flight=" + f + ")(.*)";            // lookahead
      case 13: return "(?<=Flight=)" + f + "\\b";                   // lookbehind
      case 14: return "^Atomic" + f + " (?>\\d+)X";                 // atomic group
      case 15: return "^Poss" + f + " \\d++ (\\w*)";                // possessive
      case 16: return "^Key" + f + "=\\K(\\w+)";                    // \K: PCRE2 only
      case 17: return "^Alt" + f + " (?|(a+)|(b+))";                // branch reset
      case 18: return "^End" + f + "$(0)?";                         // embedded end anchor
      case 19: return "^PlnEvent Flight=" + f + " Time=(\\S+)?(z)?(\\d)";
      case 20: return "^Mid" + f + " mid(dle)";
      case 21: return "^Empty" + f + "()x";
      case 22: return "^Track(?:Moved)?Event Flight=" + f + " X=([-\\d.]+) Y=([-\\d.]+)$";
      default: return "^a\\S" + f + "b";
    }
  }

  // A message that pattern(shape, flight) matches (ivythroughput sends one
  // built for each regexp of its set).
  static std::string matching_message(int shape, int flight) {
    const std::string f = std::to_string(flight);
    switch (shape % 24) {
      case 0: return "AircraftDelete Flight=" + f;
      case 1: return "TrackMovedEvent Flight=" + f + " X=12 Y=-3.5";
      case 2: return "AddSharedStrip Position=PAO Flight=" + f + " color=red X=1 Y=2";
      case 3: return "Some text Callsign=" + f + " more";
      case 4: return "TrackDelete Flight=" + f;
      case 5: return "SectorStatus Sector=AB" + f + " Status=ON";
      case 6: return "PlnEvent Flight=" + f + " Time=12:00 Fl=350";
      case 7: return "Stop Flight=" + f;
      case 8: return "Dot Flight=" + f + "-X tail";
      case 9: return "Caf\xe9 " + f + " ok";
      case 10: return "AIRCRAFTDELETE FLIGHT=" + f;
      case 11: return "Echo" + f + " abc abc";
      case 12: return "Radar Flight=" + f + " here";
      case 13: return "At Flight=" + f + " now";
      case 14: return "Atomic" + f + " 123X";
      case 15: return "Poss" + f + " 123 word";
      case 16: return "Key" + f + "=value";
      case 17: return "Alt" + f + " aaa";
      case 18: return "End" + f;
      case 19: return "PlnEvent Flight=" + f + " Time=x7";
      case 20: return "Mid" + f + " middle";
      case 21: return "Empty" + f + "x";
      case 22: return "TrackEvent Flight=" + f + " X=1.5 Y=-2";
      default: return "ax" + f + "b";
    }
  }

  // ivythroughput's scenario (issue 14), shaped like ivy-c's testivy set:
  // `n` distinct air-traffic regexps, and for each one a message built to
  // match it, with a message matching nothing after every third one.
  static std::vector<std::string> throughput_patterns(int n) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) {
      out.push_back(pattern(shape_of(i, TrafficProfile::kAirTraffic), kFirstFlight + i / shapes(TrafficProfile::kAirTraffic)));
    }
    return out;
  }
  static std::vector<std::string> throughput_messages(int n, int unmatched) {
    std::vector<std::string> out;
    int missing = 0;
    for (int i = 0; i < n; ++i) {
      out.push_back(matching_message(shape_of(i, TrafficProfile::kAirTraffic),
                                     kFirstFlight + i / shapes(TrafficProfile::kAirTraffic)));
      if (i % 3 == 2 && missing < unmatched) out.push_back("NoSubscriber " + std::to_string(missing++) + " here");
    }
    while (missing < unmatched) out.push_back("NoSubscriber " + std::to_string(missing++) + " here");
    return out;
  }

  static std::string catch_all(int k) {
    static const char* const kAll[] = {"(.*)", "Flight", "^$", "X=(\\S+)", "Status=(ON|OFF)"};
    return kAll[k % 5];
  }

  // `n` subscriptions over `peers` peers; about 1 in 20 texts is also held by
  // another peer, and a few catch-alls are spread among them.
  // Shape of the i-th pattern and its number of distinct shapes.
  static int shape_of(int i, TrafficProfile profile) {
    static const int kPlain[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 19, 20, 21, 22, 23};
    if (profile == TrafficProfile::kMixed) return i % 24;
    return i % 500 == 250 ? 11 + (i / 500) % 8 : kPlain[i % 16];
  }
  static int shapes(TrafficProfile profile) { return profile == TrafficProfile::kMixed ? 24 : 16; }

  std::vector<GeneratedSubscription> subscriptions(
      int n, int peers = 8, TrafficProfile profile = TrafficProfile::kMixed) {
    std::vector<GeneratedSubscription> out;
    std::vector<int> next_id(static_cast<std::size_t>(peers), 0);
    auto push = [&](PeerKey peer, std::string text) {
      out.push_back({peer, next_id[peer - 1]++, std::move(text)});
    };
    for (int i = 0; static_cast<int>(out.size()) < n; ++i) {
      const auto peer = static_cast<PeerKey>(1 + next(static_cast<std::uint32_t>(peers)));
      if (profile == TrafficProfile::kMixed && i % 997 == 5) {
        push(peer, catch_all(i / 997));
        continue;
      }
      std::string text = pattern(shape_of(i, profile), kFirstFlight + i / shapes(profile));
      if (i % 20 == 7 && static_cast<int>(out.size()) + 1 < n) {
        push(static_cast<PeerKey>(1 + (peer % static_cast<PeerKey>(peers))), text);
      }
      push(peer, std::move(text));
    }
    return out;
  }

  // One message for a pattern shape: matching some subscription of `patterns`
  // (flights below kFirstFlight + patterns / 24) or not.
  std::string message(int patterns, TrafficProfile profile = TrafficProfile::kMixed) {
    const int flights = patterns / shapes(profile) + 1;
    const int flight =
        kFirstFlight + static_cast<int>(next(static_cast<std::uint32_t>(flights + flights / 4)));
    const std::string f = std::to_string(flight);
    // Air traffic: 9 in 10 messages are of a subscribed shape.
    static const std::uint32_t kPlainKinds[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 17, 18, 19, 20, 21};
    const std::uint32_t kind =
        profile == TrafficProfile::kAirTraffic && next(10) != 0 ? kPlainKinds[next(15)] : next(26);
    switch (kind) {
      case 0: return "AircraftDelete Flight=" + f + std::to_string(next(100));
      case 1: return "TrackMovedEvent Flight=" + f + " X=" + std::to_string(next(999)) + " Y=-3.5";
      case 2: return "AddSharedStrip  Position=PAO\tFlight=" + f + " color=red X=1 Y=";
      case 3: return "Some text Callsign=" + f + " more";
      case 4: return "SectorStatus Sector=AB" + f + " Status=" + (next(2) ? "ON" : "OFF");
      case 5: return "PlnEvent Flight=" + f + (next(2) ? " Time=12:00" : "") + (next(2) ? " Fl=350" : "");
      case 6: return "Stop Flight=" + f + (next(2) ? "\n" : "\n\n");
      case 7: return "Dot Flight=" + f + (next(2) ? "\nX" : "-X tail");
      case 8: return std::string("Caf") + (next(2) ? "\xe9" : "\xc3\xa9") + " " + f + " ok";
      case 9: return "AIRCRAFTDELETE FLIGHT=" + f + (next(2) ? "\n" : "");
      case 10: return "Echo" + f + " abc " + (next(2) ? "abc" : "abd");
      case 11: return "Radar Flight=" + f + " here";
      case 12: return "Atomic" + f + " 123" + (next(2) ? "X" : "3");
      case 13: return "Poss" + f + " 123 " + (next(2) ? "word" : "");
      case 14: return "Key" + f + "=value";
      case 15: return "Alt" + f + " " + (next(2) ? "aaa" : "bb");
      case 16: return "End" + f + (next(2) ? "" : "0");
      case 17: return "PlnEvent Flight=" + f + " Time=" + (next(2) ? "x" : "") + "7";
      case 18: return "Mid" + f + " in the middle";
      case 19: return "Empty" + f + "x";
      case 20: return "TrackEvent Flight=" + f + " X=1.5 Y=-2" + (next(2) ? "\n" : " ");
      case 21: return std::string("a\xe9") + f + "b";
      case 22: return "";
      case 23: return "Long " + std::string(2000 + next(4000), 'x') + " Flight=" + f;
      case 24: return "UTF-8 \xc3\xa9t\xc3\xa9 Flight=" + f + " \xe2\x82\xac";
      default: return "NoSubscriber " + f + " here";
    }
  }

  std::vector<std::string> messages(int n, int patterns,
                                    TrafficProfile profile = TrafficProfile::kMixed) {
    std::vector<std::string> out;
    out.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) out.push_back(message(patterns, profile));
    return out;
  }

  std::uint32_t next(std::uint32_t bound) {  // xorshift64*: same on every platform
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return static_cast<std::uint32_t>((state_ * 2685821657736338717ull) >> 33) % bound;
  }

  static constexpr int kFirstFlight = 1000;

 private:
  std::uint64_t state_;
};

}  // namespace ivy::test
