#pragma once
// Support for the reliability tests that attack the real ivyd executable
// (hostile_input_test.cpp, half_open_test.cpp, fault_test.cpp, ...): a
// healthy sender/receiver pair of in-process agents beside an IvydUnderTest
// (ivyd_under_test.hpp).
//
// Thread: everything runs on the test's thread, on one io_context.

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/daemon/ivyd_under_test.hpp"
#include "tests/daemon/process_support.hpp"
#include "tests/daemon/test_support.hpp"

namespace ivy::daemon::test {

// A healthy sender and receiver (in-process agents) on the same bus as
// ivyd. The receiver subscribes to "^healthy (\d+)"; every send() goes to
// the receiver and to ivyd (which records it).
struct HealthyPair {
  HealthyPair(asio::io_context& io, Logger& log, std::uint16_t port)
      : io(io), receiver(io, log, "RECV", port), sender(io, log, "SENDER", port) {}

  // Both started and linked to each other and to ivyd. A link is ready once
  // the peer's END_REGEXP arrived, i.e. after all its subscriptions.
  bool start() {
    if (!receiver->subscribe("^healthy (\\d+)").ok()) return false;
    if (!receiver->start().ok() || !sender->start().ok()) return false;
    return run_until(io, [&] {
      const auto peers = sender->peers();
      return peers.size() == 2 && peers[0].ready && peers[1].ready;
    }, 5000ms);
  }
  // Sends `n` messages "healthy <seq><suffix>"; counts how many reached 2 peers.
  void send(int n, const std::string& suffix = {}) {
    for (int i = 0; i < n; ++i) {
      const auto matched = sender->send("healthy " + std::to_string(sent++) + suffix);
      delivered_to_both += matched && *matched == 2;
    }
  }
  std::size_t received() const { return receiver.events.count(AgentEvent::Kind::kMessage); }
  bool all_received(std::chrono::milliseconds timeout = 5000ms) {
    return run_until(io, [&] { return received() == static_cast<std::size_t>(sent); }, timeout);
  }
  std::size_t disconnections() const {
    return receiver.events.count(AgentEvent::Kind::kDisconnected) + sender.events.count(AgentEvent::Kind::kDisconnected);
  }

  asio::io_context& io;
  TestAgent receiver;
  TestAgent sender;
  int sent = 0;
  int delivered_to_both = 0;
};

// A TEST_F fixture: ivyd on its own loopback bus (`port`) with the limits a
// suite gives, and a healthy pair beside it on `io`. Each test calls start()
// first, after an ivyd.reconfigure() if it needs more than the limits.
class IvydWithHealthyPairTest : public ::testing::Test {
 protected:
  explicit IvydWithHealthyPairTest(const std::string& limits) : ivyd(port, limits) {}

  ::testing::AssertionResult start() {
    if (!ivyd.start()) return ::testing::AssertionFailure() << "ivyd did not start:\n" << ivyd.log();
    if (!healthy.start()) return ::testing::AssertionFailure() << "the healthy pair did not link:\n" << ivyd.log();
    return ::testing::AssertionSuccess();
  }

  const std::uint16_t port = unique_bus_port();
  IvydUnderTest ivyd;
  asio::io_context io;
  Logger log{LogLevel::kError, Logger::Style::kPlain};
  HealthyPair healthy{io, log, port};
};

// The regexp id ivyd announced first in the handshake it sent to a raw peer
// ("1 <id>\x02<pattern>\n"), i.e. the id under which it records; -1 if none.
inline int first_add_regexp_id(const std::string& received) {
  for (std::size_t start = 0, lf; (lf = received.find('\n', start)) != std::string::npos; start = lf + 1) {
    if (received.compare(start, 2, "1 ") == 0) return std::atoi(received.c_str() + start + 2);
  }
  return -1;
}

}  // namespace ivy::daemon::test
