#pragma once
// Scraping a Prometheus endpoint the way Prometheus does, for the tests of
// the metrics (tests/daemon/service/*metric*_test.cpp): an HTTP GET over a
// real TCP connection, and the text exposition format read back into
// samples and families.
//
//   const auto scrape = scrape_metrics("127.0.0.1:9643");
//   EXPECT_EQ(scrape->value(R"(ivyd_peers{bus="main"})"), 2);
//
// Thread: any; blocking, each call bounded by `timeout`.

#include <sys/socket.h>

#include <chrono>
#include <map>
#include <optional>
#include <sstream>
#include <string>

#include "daemon/asio.hpp"

namespace ivy::daemon::test {

struct HttpReply {
  int status = 0;
  std::string headers;  // the status line and headers, as sent
  std::string body;
};

// GET `path` from "a.b.c.d:port" (HTTP/1.0: the server closes when done).
// nullopt if it cannot connect or the reply is not HTTP.
inline std::optional<HttpReply> http_get(const std::string& host_port, const std::string& path,
                                         std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto colon = host_port.rfind(':');
  asio::io_context io;
  tcp::socket socket(io);
  error_code ec;
  socket.connect(tcp::endpoint(asio::ip::make_address(host_port.substr(0, colon), ec),
                               static_cast<std::uint16_t>(std::stoul(host_port.substr(colon + 1)))),
                 ec);
  if (ec) return std::nullopt;
  const timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  asio::write(socket, asio::buffer("GET " + path + " HTTP/1.0\r\nHost: " + host_port + "\r\n\r\n"), ec);
  // Plain recv: Asio's synchronous read would wait on past SO_RCVTIMEO.
  std::string raw;
  char buf[65536];
  for (ssize_t n; (n = ::recv(socket.native_handle(), buf, sizeof buf, 0)) > 0;) raw.append(buf, static_cast<std::size_t>(n));
  const auto end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || end == std::string::npos) return std::nullopt;
  return HttpReply{std::stoi(raw.substr(9, 3)), raw.substr(0, end), raw.substr(end + 4)};
}

// One scrape in the text exposition format.
struct Scrape {
  std::map<std::string, double> samples;    // "name{labels}" as printed -> value
  std::map<std::string, std::string> types;  // family name -> "counter", "gauge", ...
  std::map<std::string, std::string> helps;  // family name -> help text

  bool has(const std::string& series) const { return samples.count(series) != 0; }
  // The sample's value; -1 if absent (every ivyd metric is >= 0).
  double value(const std::string& series) const {
    const auto it = samples.find(series);
    return it == samples.end() ? -1 : it->second;
  }
  // How many samples a family has.
  std::size_t series_of(const std::string& name) const {
    std::size_t n = 0;
    for (const auto& [series, value] : samples) {
      n += series == name || series.rfind(name + "{", 0) == 0;
    }
    return n;
  }
};

inline Scrape parse_exposition(const std::string& body) {
  Scrape scrape;
  std::istringstream in(body);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# TYPE ", 0) == 0 || line.rfind("# HELP ", 0) == 0) {
      const auto name_end = line.find(' ', 7);
      auto& into = line[2] == 'T' ? scrape.types : scrape.helps;
      into[line.substr(7, name_end - 7)] = name_end == std::string::npos ? "" : line.substr(name_end + 1);
      continue;
    }
    const auto space = line.rfind(' ');
    if (line.empty() || line[0] == '#' || space == std::string::npos) continue;
    scrape.samples[line.substr(0, space)] = std::strtod(line.c_str() + space + 1, nullptr);
  }
  return scrape;
}

// GET /metrics and parse it; nullopt unless the answer is 200.
inline std::optional<Scrape> scrape_metrics(const std::string& host_port) {
  const auto reply = http_get(host_port, "/metrics");
  if (!reply || reply->status != 200) return std::nullopt;
  return parse_exposition(reply->body);
}

}  // namespace ivy::daemon::test
