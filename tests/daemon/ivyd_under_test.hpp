#pragma once
// IvydUnderTest: one real ivyd executable for end-to-end tests, with its
// config, status socket, recording and log in a TempDir:
//
//   <dir>/ivyd.json   the config it runs on (rewritten by reconfigure())
//   <dir>/ivyd.sock   its status socket
//   <dir>/rec.db      its recording
//   <dir>/err         its stderr (the log)
//
// The test says what differs from a plain recording ivyd on one loopback bus
// (IvydSetup), starts it, talks to it through `ivyctl` (status(), query()),
// and may stop it or leave the destructor to kill it.
//
// Thread: the test's thread.

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/daemon/process_support.hpp"

namespace ivy::daemon::test {

// What IvydUnderTest writes into ivyd.json besides the buses, the recording
// path and the status socket. Each string is a JSON fragment.
struct IvydSetup {
  std::string limits;        // body of "limits", e.g. R"("max_frame_bytes": "1MiB")"
  int batch_interval_ms = 20;
  std::string recorder;      // more members of "recorder", e.g. R"("queue_size": 1000)"
  std::string more_buses;    // bus objects after "main", e.g. R"({"id": "side", ...})"
  std::string bridges;       // body of "bridges"
  std::string more;          // more top-level members, e.g. R"("metrics": {"listen": "127.0.0.1:0"})"
  std::string log_level = "info";
};

class IvydUnderTest {
 public:
  // Any buses and bridges: `json` holds the top-level members "buses" (and
  // "bridges"), e.g. two buses and a bridge between them.
  struct Topology {
    std::string json;
  };

  // One bus "main" (agent name "ivyd-test") on 127.255.255.255:<bus_port>.
  IvydUnderTest(std::uint16_t bus_port, const std::string& limits, int batch_interval_ms = 20)
      : IvydUnderTest(bus_port, setup_with(limits, batch_interval_ms)) {}
  // Bus "main" on 127.255.255.255:<bus_port>, and what `setup` adds.
  IvydUnderTest(std::uint16_t bus_port, const IvydSetup& setup) { reconfigure(bus_port, setup); }
  IvydUnderTest(const Topology& topology, const std::string& limits, int batch_interval_ms = 20)
      : IvydUnderTest(topology, setup_with(limits, batch_interval_ms)) {}
  IvydUnderTest(const Topology& topology, const IvydSetup& setup) { reconfigure(topology, setup); }

  // Rewrites ivyd.json; a running ivyd reads it on reload().
  void reconfigure(std::uint16_t bus_port, const IvydSetup& setup) {
    reconfigure(Topology{R"("buses": [{"id": "main", "spec": "127.255.255.255:)" + std::to_string(bus_port) +
                         R"(", "name": "ivyd-test"})" + then(setup.more_buses) + R"(], "bridges": [)" +
                         setup.bridges + "]"},
                setup);
  }
  void reconfigure(const Topology& topology, const IvydSetup& setup) {
    ivy::test::write_text_file(config_path(), "{" + topology.json + R"(,
    "recorder": {"path": ")" + db_path() + R"(", "batch_interval_ms": )" + std::to_string(setup.batch_interval_ms) +
                                                  then(setup.recorder) + R"(},
    "limits": {)" + setup.limits + R"(},
    "status": {"path": ")" + socket_path() + R"(", "group": ""},
    "logging": {"level": ")" + setup.log_level + R"("})" + then(setup.more) + "}");
  }

  // Starts ivyd and waits for its status socket. False if it did not come up
  // within 5 s (its log() says why).
  bool start() {
    std::error_code ec;
    std::filesystem::remove(socket_path(), ec);
    process_ = std::make_unique<ivy::test::ChildProcess>(
        std::vector<std::string>{ivy::test::bin_path("ivyd"), "--config", config_path()}, dir.file("out"),
        dir.file("err"));
    return process_->started() && ivy::test::eventually([&] {
             return std::filesystem::exists(socket_path()) || !running();
           }) && running();
  }
  ivy::test::ChildProcess& process() { return *process_; }
  bool running() { return process_ && !process_->wait_for(std::chrono::milliseconds(0)); }
  // SIGHUP: reread ivyd.json.
  void reload() { process_->signal(SIGHUP); }
  // SIGTERM, then the exit code; nullopt if ivyd did not exit within `timeout`.
  std::optional<int> stop(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    if (!process_) return std::nullopt;
    process_->signal(SIGTERM);
    return process_->wait_for(timeout);
  }

  std::string config_path() const { return dir.file("ivyd.json"); }
  std::string socket_path() const { return dir.file("ivyd.sock"); }
  std::string db_path() const { return dir.file("rec.db"); }

  // `ivyctl status --json`; null if it did not answer within `timeout`.
  nlohmann::json status(std::chrono::milliseconds timeout = std::chrono::seconds(5)) const {
    std::string out;
    if (ivy::test::run_command({ivy::test::bin_path("ivyctl"), "status", "--json", "--socket", socket_path()}, &out,
                               nullptr, timeout) != 0) {
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
    std::vector<std::string> argv{ivy::test::bin_path("ivyctl"), "query", "--db", db_path(), "--format", "json"};
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
  static IvydSetup setup_with(const std::string& limits, int batch_interval_ms) {
    IvydSetup setup;
    setup.limits = limits;
    setup.batch_interval_ms = batch_interval_ms;
    return setup;
  }
  static std::string then(const std::string& fragment) { return fragment.empty() ? fragment : ", " + fragment; }

  std::unique_ptr<ivy::test::ChildProcess> process_;
};

}  // namespace ivy::daemon::test
