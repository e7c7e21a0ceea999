#pragma once
// Test recordings for the ivyctl tests (query, info, replay): records built
// by hand and written with the real storage::SqliteRecorder, so ivyctl reads
// exactly what ivyd would have written.
//
// Times: every record is placed at kBaseNs + an offset, kBaseNs being
// 2026-11-25T10:00:00Z, so the tests can write exact --since/--until values.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "storage/record.hpp"
#include "storage/sqlite_recorder.hpp"

namespace ivy::ctl::test {

inline constexpr std::int64_t kBaseNs = 1'795'600'800'000'000'000;  // 2026-11-25T10:00:00Z
inline constexpr std::int64_t kMs = 1'000'000;

inline storage::Stamp at_ms(std::int64_t offset_ms) {
  return storage::Stamp{kBaseNs + offset_ms * kMs, offset_ms * kMs};
}

inline storage::AgentEvent join(storage::PeerKey key, const std::string& name, std::int64_t offset_ms) {
  storage::AgentEvent e;
  e.at = at_ms(offset_ms);
  e.change = storage::AgentChange::kJoined;
  e.agent = storage::AgentRef{key, "app-" + name, name, "127.0.0.1", static_cast<std::uint16_t>(4000 + key),
                              "127.255.255.255:2010"};
  return e;
}

inline storage::AgentEvent leave(storage::PeerKey key, storage::LeaveHow how, std::int64_t offset_ms) {
  storage::AgentEvent e;
  e.at = at_ms(offset_ms);
  e.change = storage::AgentChange::kLeft;
  e.agent.key = key;
  e.how = how;
  return e;
}

inline storage::SubscriptionEvent bind(storage::PeerKey key, std::int32_t id, const std::string& pattern,
                                       std::int64_t offset_ms) {
  return storage::SubscriptionEvent{at_ms(offset_ms), storage::SubscriptionChange::kAdded, key, id, pattern};
}

inline storage::SubscriptionEvent unbind(storage::PeerKey key, std::int32_t id, std::int64_t offset_ms) {
  return storage::SubscriptionEvent{at_ms(offset_ms), storage::SubscriptionChange::kRemoved, key, id, {}};
}

inline storage::MessageRecord message(storage::PeerKey sender, const std::string& text, std::int64_t offset_ms,
                                      std::vector<storage::Receiver> receivers = {}) {
  storage::MessageRecord m;
  m.at = at_ms(offset_ms);
  m.sender = sender;
  m.text = text;
  m.receivers = std::move(receivers);
  return m;
}

inline storage::DirectRecord direct(storage::PeerKey from, std::int32_t id, const std::string& text,
                                    std::int64_t offset_ms) {
  return storage::DirectRecord{at_ms(offset_ms), from, id, text};
}

// Writes `records` to the recording set at `path` (a new one, or appended to
// the newest file of an existing one) and closes it.
inline void write_recording(const std::string& path, std::vector<storage::Record> records) {
  storage::SqliteRecorderOptions o;
  o.path = path;
  o.batch_interval = std::chrono::milliseconds(5);
  o.meta = storage::RecordingMeta{"testhost", "127.255.255.255:2010", "test", "digest"};
  storage::SqliteRecorder recorder(o);
  for (auto& r : records) ASSERT_TRUE(recorder.try_append(std::move(r)));
  ASSERT_TRUE(recorder.flush(std::chrono::seconds(5)).ok());
  recorder.close();
}

// The recording most tests read (14 entries, in this order):
//   +0  ALPHA, BETA, GAMMA join          +1  BETA binds 1 "^pos (.*)", GAMMA binds 0 "(.*)"
//   +10..+14  ALPHA sends "pos 0".."pos 4" -> BETA#1 GAMMA#0
//   +20  GAMMA sends `hello, "world"` -> nobody
//   +30  BETA sends us the direct message 7 "hi there"
//   +40  GAMMA unbinds 0                 +50  BETA leaves (bye)
inline std::vector<storage::Record> sample_records() {
  std::vector<storage::Record> r{join(1, "ALPHA", 0), join(2, "BETA", 0), join(3, "GAMMA", 0),
                                 bind(2, 1, "^pos (.*)", 1), bind(3, 0, "(.*)", 1)};
  for (int i = 0; i < 5; ++i) r.push_back(message(1, "pos " + std::to_string(i), 10 + i, {{2, 1}, {3, 0}}));
  r.push_back(message(3, "hello, \"world\"", 20));
  r.push_back(direct(2, 7, "hi there", 30));
  r.push_back(unbind(3, 0, 40));
  r.push_back(leave(2, storage::LeaveHow::kBye, 50));
  return r;
}
inline constexpr std::size_t kSampleEntries = 14;

// A minute of traffic whose picture is known (`ivyctl plot`, the sparkline):
//   RADAR   joins at 0 s, "TrackMovedEvent ..." 20 msg/s all minute, and a
//           burst of 50 "AircraftDelete ..." between 45.0 and 45.5 s
//   CLOCK   joins at 0 s, "Tick N" 1 msg/s all minute
//   DISPLAY joins at 20 s, "Ack N" 5 msg/s until it leaves at 40 s
//   a gap from 30 to 35 s (500 records lost): nothing recorded in it
inline std::vector<storage::Record> traffic_records() {
  std::vector<storage::Record> r{join(1, "RADAR", 0), join(2, "CLOCK", 0)};
  auto in_gap = [](std::int64_t ms) { return ms >= 30'000 && ms < 35'000; };
  for (std::int64_t ms = 0; ms < 60'000; ms += 50) {
    if (ms == 20'000) r.push_back(join(3, "DISPLAY", ms));
    if (ms == 30'000) r.push_back(storage::GapRecord{at_ms(30'000), at_ms(35'000), 500});
    if (ms == 40'000) r.push_back(leave(3, storage::LeaveHow::kBye, ms));
    if (ms == 45'000) {
      for (int i = 0; i < 50; ++i) r.push_back(message(1, "AircraftDelete Flight=" + std::to_string(i), ms + i * 10));
    }
    if (in_gap(ms)) continue;
    r.push_back(message(1, "TrackMovedEvent Flight=" + std::to_string(ms % 7) + " X=1 Y=2", ms));
    if (ms % 1000 == 0) r.push_back(message(2, "Tick " + std::to_string(ms / 1000), ms));
    if (ms >= 20'000 && ms < 40'000 && ms % 200 == 0) r.push_back(message(3, "Ack " + std::to_string(ms), ms));
  }
  return r;
}
// Its messages: 1100 tracks, 55 ticks, 75 acks (not in the gap), 50 deletes.
inline constexpr std::int64_t kTrafficMessages = 1100 + 55 + 75 + 50;

}  // namespace ivy::ctl::test
