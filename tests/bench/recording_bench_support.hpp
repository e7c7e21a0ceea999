#pragma once
// Shared by the end-to-end recording benchmarks (recording_bench,
// soak_bench): the real ivyd recording a loopback bus from a config in a
// temp directory, a pool of in-process sender agents, and the figures read
// back (status, /proc, the database). Only 127.0.0.0/8 is used.

#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/bus_spec.hpp"
#include "core/pcre_matcher.hpp"
#include "daemon/agent/agent.hpp"
#include "tests/daemon/process_support.hpp"

namespace ivy::daemon::bench {

// The first UDP port from `from` nobody holds.
inline std::uint16_t free_udp_port(std::uint16_t from) {
  asio::io_context io;
  for (std::uint16_t port = from; port < from + 500; ++port) {
    udp::socket s(io);
    error_code ec;
    s.open(udp::v4(), ec);
    if (!ec) s.bind(udp::endpoint(asio::ip::address_v4::any(), port), ec);
    if (!ec) return port;
  }
  return from;
}

// A field of /proc/<pid>/status in KiB ("VmRSS:", "VmHWM:").
inline long proc_status_kb(pid_t pid, const char* field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::strlen(field)));
  }
  return 0;
}

// utime + stime of a process, in seconds.
inline double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(content.substr(content.rfind(')') + 2));
  std::string f;
  unsigned long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14) utime = std::stoul(f);
    if (i == 15) stime = std::stoul(f);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// The real ivyd recording a free loopback bus (port from `first_port`) into
// a temp directory; killed at destruction if still running. `more`: more
// top-level config members, e.g. R"("metrics": {"listen": "127.0.0.1:0"})".
class RecordingIvyd {
 public:
  explicit RecordingIvyd(std::uint16_t first_port, const std::string& more = {})
      : port_(free_udp_port(first_port)),
        process_({test::bin_path("ivyd"), "--config", write_config(dir_, port_, more)}, dir_.file("out"),
                 dir_.file("err")) {
    test::eventually([&] { return std::filesystem::exists(dir_.file("s.sock")); });
  }

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return process_.pid(); }

  nlohmann::json status() const {
    std::string out;
    test::run_command({test::bin_path("ivyctl"), "status", "--json", "--socket", dir_.file("s.sock")}, &out);
    return nlohmann::json::parse(out, nullptr, false);
  }

  // Polls status while running `io`, until the recorder has written `records`
  // or `timeout`; returns the last status.
  nlohmann::json wait_written(asio::io_context& io, std::uint64_t records, std::chrono::seconds timeout) const {
    nlohmann::json last;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      io.run_for(std::chrono::milliseconds(50));
      last = status();
      if (last.is_object() && last["recorder"].value("written", 0ULL) >= records) break;
    }
    return last;
  }

  // SIGTERM, wait, then count the recorded messages whose text starts with `prefix`.
  long long stop_and_count(const std::string& prefix) {
    process_.signal(SIGTERM);
    process_.wait_for(std::chrono::seconds(15));
    return count(prefix);
  }

  // The recorded messages whose text starts with `prefix`, now (a WAL reader:
  // ivyd may be running).
  long long count(const std::string& prefix) const {
    sqlite3* handle = nullptr;
    long long n = -1;
    if (sqlite3_open_v2(dir_.file("rec.db").c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
      sqlite3_stmt* stmt = nullptr;
      if (sqlite3_prepare_v2(handle, "SELECT count(*) FROM message WHERE substr(text, 1, ?1) = ?2", -1, &stmt,
                             nullptr) == SQLITE_OK) {
        sqlite3_bind_int(stmt, 1, static_cast<int>(prefix.size()));
        sqlite3_bind_text(stmt, 2, prefix.data(), static_cast<int>(prefix.size()), SQLITE_TRANSIENT);
        if (sqlite3_step(stmt) == SQLITE_ROW) n = sqlite3_column_int64(stmt, 0);
      }
      sqlite3_finalize(stmt);
    }
    sqlite3_close(handle);
    return n;
  }

 private:
  static std::string write_config(const test::TempDir& dir, std::uint16_t port, const std::string& more) {
    std::ofstream cfg(dir.file("ivyd.json"));
    cfg << R"({"buses": [{"spec": "127.255.255.255:)" << port << R"("}], "recorder": {"path": ")"
        << dir.file("rec.db") << R"("}, "status": {"path": ")" << dir.file("s.sock")
        << R"(", "group": ""}, "logging": {"level": "warning"})" << (more.empty() ? "" : ", " + more) << "}";
    return dir.file("ivyd.json");
  }

  test::TempDir dir_;
  std::uint16_t port_;
  test::ChildProcess process_;
};

// `count` agents named <prefix><i> on the bus, started; ready() once every
// one holds ivyd's "(.*)" (so what it sends reaches the recorder).
struct SenderPool {
  SenderPool(asio::io_context& io, Logger& log, const std::string& prefix, int count, std::uint16_t port) {
    for (int i = 0; i < count; ++i) {
      AgentOptions o;
      o.name = prefix + std::to_string(i);
      o.bus = *parse_bus_spec("127.255.255.255:" + std::to_string(port));
      agents.push_back(std::make_unique<Agent>(io, o, std::make_unique<PcreMatcher>(), log));
      (void)agents.back()->start();
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!ready() && std::chrono::steady_clock::now() < deadline) io.run_for(std::chrono::milliseconds(5));
  }
  bool ready() const {
    for (const auto& a : agents) {
      if (a->matcher().subscription_count() < 1) return false;
    }
    return true;
  }
  std::uint64_t dropped() const {
    std::uint64_t n = 0;
    for (const auto& a : agents) n += a->counters().frames_dropped;
    return n;
  }

  std::vector<std::unique_ptr<Agent>> agents;
};

}  // namespace ivy::daemon::bench
