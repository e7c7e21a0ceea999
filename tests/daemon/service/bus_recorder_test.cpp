// BusRecorder: what it records of the frames its agent drops for a slow or
// stalled peer (daemon/service/bus_recorder.hpp), with a real Agent on loopback, a
// raw peer that stops reading, and the in-memory sink.
#include "daemon/service/bus_recorder.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "storage/memory_recorder.hpp"
#include "tests/daemon/test_support.hpp"

namespace ivy::daemon::test {
namespace {

// An agent "TX" recorded by a BusRecorder, and a raw peer "SLOW" that
// subscribes to everything and has stopped reading.
class BusRecorderTest : public ::testing::Test {
 protected:
  void start(std::chrono::milliseconds stall_timeout) {
    tx_ = std::make_unique<TestAgent>(io_, log_.logger, "TX", unique_bus_port(), [&](AgentOptions& o) {
      o.link.max_queue_bytes = 16 * 1024;
      o.link.stall_timeout = stall_timeout;
    });
    const int tap = *(*tx_)->subscribe("(.*)");
    recorder_ = std::make_unique<BusRecorder>(*tx_->agent, "main", sink_, tap);
    (*tx_)->set_listener(recorder_.get());
    ASSERT_TRUE((*tx_)->start().ok());
    slow_.receive_buffer_bytes = 4096;
    slow_.connect((*tx_)->tcp_port());
    slow_.write(frame(6, 9, "SLOW") + frame(1, 0, "(.*)") + frame(5, 0));
    ASSERT_TRUE(run_until(io_, [&] { return peer_subscriptions(**tx_) == 1 && slow_.has(frame(5, 0)); }));
    key_ = (*tx_)->find_peers("SLOW").at(0);
    slow_.stop_reading();
  }
  // Sends until at least `drops` frames were dropped for SLOW.
  void overflow(std::uint64_t drops) {
    const std::string pad(1000, 'p');
    for (int i = 0; i < 20'000 && (*tx_)->peer(key_) && (*tx_)->peer(key_)->dropped_frames < drops; ++i) {
      (void)(*tx_)->send("data " + std::to_string(i) + " " + pad);
      if (i % 16 == 15) io_.poll();
    }
  }
  std::vector<storage::DeliveryDropRecord> drop_records() const {
    std::vector<storage::DeliveryDropRecord> out;
    for (const auto& r : sink_.records()) {
      if (const auto* d = std::get_if<storage::DeliveryDropRecord>(&r)) out.push_back(*d);
    }
    return out;
  }
  static std::uint64_t total(const std::vector<storage::DeliveryDropRecord>& spans) {
    std::uint64_t n = 0;
    for (const auto& s : spans) n += s.dropped;
    return n;
  }

  asio::io_context io_;
  TestLog log_;
  storage::MemoryRecorder sink_;
  std::unique_ptr<TestAgent> tx_;
  std::unique_ptr<BusRecorder> recorder_;
  RawPeer slow_{io_};
  PeerKey key_ = 0;
};

TEST_F(BusRecorderTest, RecordsTheFramesAPeerMissedWhenItsQueueDrains) {
  start(std::chrono::milliseconds(0));
  const auto t0 = std::chrono::steady_clock::now();
  overflow(300);
  const auto dropped = (*tx_)->peer(key_)->dropped_frames;
  ASSERT_GE(dropped, 300u);
  slow_.resume_reading();
  ASSERT_TRUE(run_until(io_, [&] { return total(drop_records()) == dropped; }, 5000ms))
      << total(drop_records()) << " of " << dropped;
  const auto spans = drop_records();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t0);
  EXPECT_LE(spans.size(), static_cast<std::size_t>(seconds.count()) + 1) << "one record per drop is too many";
  for (const auto& s : spans) {
    EXPECT_EQ(s.agent, key_);
    EXPECT_LE(s.from.mono_ns, s.to.mono_ns);
  }
  // The peer's join is recorded before the first of them.
  const auto records = sink_.records();
  const auto join = std::find_if(records.begin(), records.end(), [&](const storage::Record& r) {
    const auto* e = std::get_if<storage::AgentEvent>(&r);
    return e && e->agent.key == key_ && e->change == storage::AgentChange::kJoined;
  });
  const auto first_drop = std::find_if(records.begin(), records.end(), [](const storage::Record& r) {
    return std::holds_alternative<storage::DeliveryDropRecord>(r);
  });
  EXPECT_LT(join, first_drop);
}

TEST_F(BusRecorderTest, RecordsAStalledPeersDropsThenItsLeaveAsStalled) {
  start(std::chrono::milliseconds(200));
  overflow(50);
  ASSERT_TRUE(run_until(io_, [&] { return (*tx_)->peer_count() == 0; }, 3000ms)) << "never closed";
  const auto records = sink_.records();
  ASSERT_FALSE(records.empty());
  const auto* leave = std::get_if<storage::AgentEvent>(&records.back());
  ASSERT_NE(leave, nullptr);
  EXPECT_EQ(leave->change, storage::AgentChange::kLeft);
  EXPECT_EQ(leave->how, storage::LeaveHow::kStalled);
  ASSERT_TRUE(std::holds_alternative<storage::DeliveryDropRecord>(records[records.size() - 2]))
      << "the drops come just before the leave";
  EXPECT_GE(total(drop_records()), 50u);
  EXPECT_NE(log_.text.str().find("(SLOW): no write progress for 200 ms"), std::string::npos) << log_.text.str();
}

TEST_F(BusRecorderTest, TickRecordsASpanOnceItIsASecondOldWhileThePeerStaysStuck) {
  start(std::chrono::milliseconds(0));
  overflow(20);
  const auto dropped = (*tx_)->peer(key_)->dropped_frames;
  ASSERT_LT(total(drop_records()), dropped) << "the span is still open";
  ASSERT_TRUE(run_until(io_, [&] {
    recorder_->tick();
    return total(drop_records()) == dropped;
  }, 3000ms));
  EXPECT_GT((*tx_)->peer(key_)->queued_bytes, 0u) << "the peer is still stuck: no drain closed the span";
}

TEST_F(BusRecorderTest, StopRecordsOpenSpansBeforeTheLeaves) {
  start(std::chrono::milliseconds(0));
  overflow(20);
  const auto dropped = (*tx_)->peer(key_)->dropped_frames;
  recorder_->stop();
  EXPECT_EQ(total(drop_records()), dropped);
  const auto records = sink_.records();
  const auto* leave = std::get_if<storage::AgentEvent>(&records.back());
  ASSERT_NE(leave, nullptr);
  EXPECT_EQ(leave->how, storage::LeaveHow::kShutdown);
}

}  // namespace
}  // namespace ivy::daemon::test
