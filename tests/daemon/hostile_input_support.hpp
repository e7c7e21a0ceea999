#pragma once
// Support for the reliability tests that attack the real ivyd executable
// (hostile_input_test.cpp, crash_recording_test.cpp): an ivyd child with its
// config, socket, recording and log in a TempDir; a healthy sender/receiver
// pair of in-process agents; readers for status, the recording and /proc.
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

#include "tests/daemon/process_support.hpp"
#include "tests/daemon/test_support.hpp"

namespace ivy::daemon::test {

// What IvydUnderTest writes into ivyd.json besides the bus "main", the
// recording path and the status socket. Each string is a JSON fragment.
struct IvydSetup {
  std::string limits;        // body of "limits", e.g. R"("max_frame_bytes": "1MiB")"
  int batch_interval_ms = 20;
  std::string recorder;      // more members of "recorder", e.g. R"("queue_size": 1000)"
  std::string more_buses;    // bus objects after "main", e.g. R"({"id": "side", ...})"
  std::string bridges;       // body of "bridges"
};

// One ivyd on a loopback bus, recording to <dir>/rec.db, status socket at
// <dir>/ivyd.sock, stderr in <dir>/err.
class IvydUnderTest {
 public:
  // Any buses and bridges: `json` holds the top-level members "buses" (and
  // "bridges"), e.g. two buses and a bridge between them.
  struct Topology {
    std::string json;
  };

  // One bus "main" on 127.255.255.255:<bus_port>.
  IvydUnderTest(std::uint16_t bus_port, const std::string& limits, int batch_interval_ms = 20)
      : IvydUnderTest(bus_port, IvydSetup{limits, batch_interval_ms, {}, {}, {}}) {}
  // Bus "main" on 127.255.255.255:<bus_port>, and what `setup` adds.
  IvydUnderTest(std::uint16_t bus_port, const IvydSetup& setup) {
    const auto then = [](const std::string& fragment) { return fragment.empty() ? fragment : ", " + fragment; };
    write_config(R"("buses": [{"id": "main", "spec": "127.255.255.255:)" + std::to_string(bus_port) +
                     R"(", "name": "ivyd-test"})" + then(setup.more_buses) + R"(], "bridges": [)" +
                     setup.bridges + "]",
                 setup.limits, setup.batch_interval_ms, then(setup.recorder));
  }
  IvydUnderTest(const Topology& topology, const std::string& limits, int batch_interval_ms = 20) {
    write_config(topology.json, limits, batch_interval_ms, "");
  }

  // Starts ivyd and waits for its status socket. False (with the log in
  // the failure message) if it did not come up within 5 s.
  bool start() {
    std::error_code ec;
    std::filesystem::remove(dir.file("ivyd.sock"), ec);
    process_ = std::make_unique<ivy::test::ChildProcess>(
        std::vector<std::string>{ivy::test::bin_path("ivyd"), "--config", dir.file("ivyd.json")}, dir.file("out"),
        dir.file("err"));
    return process_->started() &&
           ivy::test::eventually([&] { return std::filesystem::exists(dir.file("ivyd.sock")); });
  }
  ivy::test::ChildProcess& process() { return *process_; }
  bool running() { return process_ && !process_->wait_for(std::chrono::milliseconds(0)); }

  // `ivyctl status --json`; null if it did not answer within `timeout`.
  nlohmann::json status(std::chrono::milliseconds timeout = std::chrono::seconds(5)) const {
    std::string out;
    if (ivy::test::run_command({ivy::test::bin_path("ivyctl"), "status", "--json", "--socket", dir.file("ivyd.sock")},
                               &out, nullptr, timeout) != 0) {
      return {};
    }
    return nlohmann::json::parse(out, nullptr, false);
  }
  // A counter of a bus (status["buses"][bus]["counters"][name]); -1 if absent.
  static long long counter(const nlohmann::json& status, const std::string& name, std::size_t bus = 0) {
    if (!status.is_object() || status["buses"].size() <= bus) return -1;
    const auto& c = status["buses"][bus]["counters"];
    return c.contains(name) ? c[name].get<long long>() : -1;
  }
  // ivyd's TCP port on bus number `bus` (0: the first); 0 if unknown.
  std::uint16_t tcp_port(std::size_t bus = 0) const {
    const auto s = status();
    return s.is_object() && s["buses"].size() > bus ? s["buses"][bus]["tcp_port"].get<std::uint16_t>() : 0;
  }
  // Whether a peer named `name` is linked on bus number `bus` (false if
  // status did not answer).
  static bool has_peer(const nlohmann::json& status, const std::string& name, std::size_t bus = 0) {
    if (!status.is_object() || status["buses"].size() <= bus) return false;
    for (const auto& p : status["buses"][bus]["peers"]) {
      if (p["name"] == name) return true;
    }
    return false;
  }

  std::string log() const { return ivy::test::read_text_file(dir.file("err")); }
  std::size_t log_lines_with(std::string_view text) const {
    std::istringstream in(log());
    std::size_t n = 0;
    for (std::string line; std::getline(in, line);) n += line.find(text) != std::string::npos;
    return n;
  }

  // `ivyctl query --db <rec.db> --format json <args...>`, one JSON object
  // per entry; nullopt if ivyctl failed or printed something that is not JSON.
  std::optional<std::vector<nlohmann::json>> query(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{ivy::test::bin_path("ivyctl"), "query", "--db", dir.file("rec.db"), "--format",
                                  "json"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string out;
    if (ivy::test::run_command(argv, &out) != 0) return std::nullopt;
    std::vector<nlohmann::json> entries;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
      entries.push_back(nlohmann::json::parse(line, nullptr, false));
      if (entries.back().is_discarded()) return std::nullopt;
    }
    return entries;
  }

  // Recorded messages (`ivyctl query --kind msg`, optionally with --match);
  // -1 if the query failed.
  long long recorded(const std::string& match = {}) const {
    std::vector<std::string> args{"--kind", "msg"};
    if (!match.empty()) {
      args.push_back("--match");
      args.push_back(match);
    }
    const auto entries = query(args);
    return entries ? static_cast<long long>(entries->size()) : -1;
  }

  // Peak resident set (VmHWM) of ivyd in KiB, from /proc; 0 if unknown.
  long vm_hwm_kb() const {
    if (!process_) return 0;
    std::istringstream in(ivy::test::read_text_file("/proc/" + std::to_string(process_->pid()) + "/status"));
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
    }
    return 0;
  }

  ivy::test::TempDir dir;

 private:
  // `topology`: the top-level "buses" (and "bridges") members; `recorder`:
  // more members of "recorder", each after a comma.
  void write_config(const std::string& topology, const std::string& limits, int batch_interval_ms,
                    const std::string& recorder) {
    ivy::test::write_text_file(dir.file("ivyd.json"), "{" + topology + R"(,
    "recorder": {"path": ")" + dir.file("rec.db") + R"(", "batch_interval_ms": )" +
                                                         std::to_string(batch_interval_ms) + recorder + R"(},
    "limits": {)" + limits + R"(},
    "status": {"path": ")" + dir.file("ivyd.sock") + R"(", "group": ""},
    "logging": {"level": "info"}})");
  }

  std::unique_ptr<ivy::test::ChildProcess> process_;
};

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

// The regexp id ivyd announced first in the handshake it sent to a raw peer
// ("1 <id>\x02<pattern>\n"), i.e. the id under which it records; -1 if none.
inline int first_add_regexp_id(const std::string& received) {
  for (std::size_t start = 0, lf; (lf = received.find('\n', start)) != std::string::npos; start = lf + 1) {
    if (received.compare(start, 2, "1 ") == 0) return std::atoi(received.c_str() + start + 2);
  }
  return -1;
}

}  // namespace ivy::daemon::test
