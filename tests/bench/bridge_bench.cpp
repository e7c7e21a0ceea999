// bridge_bench: the cost of a bridge hop, measured against a direct
// agent-to-agent baseline in the same run (docs/bridge.md, "Performance").
//
//   direct   sender --bus X--> receiver
//   bus hop  sender --bus A--> ivyd (BusBridge) --bus B--> receiver
//   link hop sender --bus A--> ivyd1 (LinkBridge) --TCP--> ivyd2 --bus B--> receiver
//   tls hop  the link hop over TLS 1.3 with mutual authentication (EC P-256
//            certificates of a throwaway CA), compared with the plaintext
//            link hop of the same run (docs/bridge.md, "TLS")
//
// Latency: one message in flight at a time; the receiver's callback computes
// now - t0 (t0 travels in the text). p50 / p99 over N messages; the added
// latency of a hop is its p50 minus the direct p50. Throughput: a burst of M
// messages, sent in slices so that no queue overflows, timed until the last
// one is received.
//
// Everything runs on ONE io_context thread (sender, ivyd and receiver take
// turns), on loopback buses 127.255.255.255:<free port> and 127.0.0.1 TCP.
// Usage: bridge_bench [messages=2000] [burst=20000]

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/bus_spec.hpp"
#include "core/pcre_matcher.hpp"
#include "daemon/agent/agent.hpp"
#include "daemon/bridges/bus/bus_bridge.hpp"
#include "daemon/bridges/link/link_bridge.hpp"
#include "daemon/agent/listener_list.hpp"
#include "tests/bench/bench_support.hpp"
#include "tests/daemon/bridges/link/test_pki.hpp"

using namespace ivy;
using namespace ivy::daemon;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

std::uint16_t free_bus_port() { return bench::free_bus_port(22000, 1000); }

BusSpec bus(std::uint16_t port) { return *parse_bus_spec("127.255.255.255:" + std::to_string(port)); }

bool run_until(asio::io_context& io, const std::function<bool()>& done, std::chrono::milliseconds limit = 5000ms) {
  const auto end = Clock::now() + limit;
  while (!done() && Clock::now() < end) {
    if (io.stopped()) io.restart();
    io.run_one_for(1ms);
  }
  return done();
}

// Receives "BENCH <t0>" and records now - t0.
struct Receiver : AgentListener {
  void on_message(PeerKey, const PeerIdentity&, int, const std::vector<std::string>& args) override {
    const auto now = Clock::now().time_since_epoch().count();
    long long t0 = 0;
    if (!args.empty()) std::from_chars(args[0].data(), args[0].data() + args[0].size(), t0);
    latencies_ns.push_back(static_cast<double>(now - t0));
    ++count;
  }
  std::vector<double> latencies_ns;
  std::size_t count = 0;
};

struct Node {
  Node(asio::io_context& io, Logger& log, const std::string& name, std::uint16_t port, PeerKey key,
       AgentListener* listener) {
    AgentOptions o;
    o.name = name;
    o.bus = bus(port);
    o.first_peer_key = key;
    o.shutdown_grace = 100ms;
    agent = std::make_unique<Agent>(io, o, std::make_unique<PcreMatcher>(), log, listener ? listener : &listeners);
    if (!agent->start()) std::abort();
  }
  BusPort port() {
    return BusPort{"bus", agent.get(), &listeners, [this] {
                     if (tap < 0) tap = *agent->subscribe("(.*)");
                     return tap;
                   }};
  }
  ListenerList listeners;
  std::unique_ptr<Agent> agent;
  int tap = -1;
};

struct Measurement {
  std::string name;
  double p50_us = 0, p99_us = 0, rate = 0;
};

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

// Measures latency then throughput from `sender` to `receiver`.
Measurement measure(asio::io_context& io, const std::string& name, Agent& sender, Receiver& receiver, int n, int burst) {
  const auto text = [] { return "BENCH " + std::to_string(Clock::now().time_since_epoch().count()); };
  for (int i = 0; i < 200; ++i) {  // warm-up
    const auto before = receiver.count;
    (void)sender.send(text());
    run_until(io, [&] { return receiver.count > before; });
  }
  receiver.latencies_ns.clear();
  for (int i = 0; i < n; ++i) {
    const auto before = receiver.count;
    (void)sender.send(text());
    if (!run_until(io, [&] { return receiver.count > before; })) std::cerr << name << ": message lost\n";
  }
  Measurement r{name, percentile(receiver.latencies_ns, 0.50) / 1000, percentile(receiver.latencies_ns, 0.99) / 1000, 0};
  const auto start_count = receiver.count;
  const auto t0 = Clock::now();
  for (int sent = 0; sent < burst;) {
    for (int i = 0; i < 200 && sent < burst; ++i, ++sent) (void)sender.send(text());
    while (receiver.count - start_count + 400 < static_cast<std::size_t>(sent)) io.run_one_for(1ms);
  }
  run_until(io, [&] { return receiver.count - start_count >= static_cast<std::size_t>(burst); }, 20000ms);
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  r.rate = static_cast<double>(receiver.count - start_count) / secs;
  return r;
}

void settle(asio::io_context& io, const std::vector<Agent*>& agents, std::size_t subscriptions) {
  run_until(io, [&] {
    for (auto* a : agents) {
      if (a->matcher().subscription_count() < subscriptions) return false;
    }
    return true;
  });
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 2000;
  const int burst = argc > 2 ? std::atoi(argv[2]) : 20000;
  std::ostringstream sink;
  Logger log(LogLevel::kError, Logger::Style::kPlain, &std::cerr);
  asio::io_context io;
  std::vector<Measurement> results;
  const PeerKey k = 1ull << 40;

  {  // direct
    const auto port = free_bus_port();
    Receiver receiver;
    Node rx(io, log, "receiver", port, 1 * k, &receiver);
    Node tx(io, log, "sender", port, 2 * k, nullptr);
    (void)rx.agent->subscribe("^BENCH (\\d+)");
    settle(io, {tx.agent.get()}, 1);
    results.push_back(measure(io, "direct", *tx.agent, receiver, n, burst));
  }
  {  // bus hop
    const auto pa = free_bus_port(), pb = free_bus_port();
    Receiver receiver;
    Node ivyd_a(io, log, "ivyd-a", pa, 3 * k, nullptr), ivyd_b(io, log, "ivyd-b", pb, 4 * k, nullptr);
    Node tx(io, log, "sender", pa, 5 * k, nullptr), rx(io, log, "receiver", pb, 6 * k, &receiver);
    (void)rx.agent->subscribe("^BENCH (\\d+)");
    BusBridgeOptions o;
    o.id = "bench";
    o.policy.way = BridgeWay::kOut;
    o.first_peer_key = 7 * k;
    BusBridge bridge(io, o, ivyd_a.port(), ivyd_b.port(), log);
    if (!bridge.start()) return 1;
    settle(io, {tx.agent.get(), ivyd_b.agent.get()}, 1);
    results.push_back(measure(io, "bus hop", *tx.agent, receiver, n, burst));
  }
  ivy::test::TestPki pki;  // made before any timing
  const auto site_a = pki.issue("site-a");
  const auto site_b = pki.issue("site-b");
  for (const bool tls : {false, true}) {  // link hop, then the same over TLS
    const auto pa = free_bus_port(), pb = free_bus_port();
    const PeerKey base = tls ? 20 * k : 8 * k;
    Receiver receiver;
    Node ivyd_a(io, log, "ivyd-a", pa, base, nullptr), ivyd_b(io, log, "ivyd-b", pb, base + k, nullptr);
    Node tx(io, log, "sender", pa, base + 2 * k, nullptr), rx(io, log, "receiver", pb, base + 3 * k, &receiver);
    (void)rx.agent->subscribe("^BENCH (\\d+)");
    LinkBridgeOptions la;
    la.id = "a";
    la.instance_id = "ia";
    la.role = LinkConnection::Role::kListener;
    la.listen = "127.0.0.1:0";
    la.token = "bench-token-0123456789";
    la.first_peer_key = base + 4 * k;
    if (tls) la.tls = TlsSettings{site_a.cert_file, site_a.key_file, pki.ca_file(), {}, ""};
    LinkBridge link_a(io, la, ivyd_a.port(), log);
    if (!link_a.start()) return 1;
    LinkBridgeOptions lb = la;
    lb.id = "b";
    lb.instance_id = "ib";
    lb.role = LinkConnection::Role::kDialer;
    lb.dial = {"127.0.0.1:" + std::to_string(link_a.listen_port())};
    lb.first_peer_key = base + 5 * k;
    if (tls) lb.tls = TlsSettings{site_b.cert_file, site_b.key_file, pki.ca_file(), {}, "site-a"};
    LinkBridge link_b(io, lb, ivyd_b.port(), log);
    if (!link_b.start()) return 1;
    run_until(io, [&] { return link_a.status().state == "connected" && link_b.status().state == "connected"; });
    if (tls && link_b.status().tls->protocol != "TLSv1.3") std::cerr << "tls hop: not TLS 1.3\n";
    settle(io, {tx.agent.get(), ivyd_b.agent.get()}, 1);
    results.push_back(measure(io, tls ? "tls hop" : "link hop", *tx.agent, receiver, n, burst));
  }

  const Measurement& base = results.front();
  std::printf("%-9s %9s %9s %12s %12s\n", "path", "p50 us", "p99 us", "added p50", "msgs/s");
  for (const auto& r : results) {
    std::printf("%-9s %9.1f %9.1f %12.1f %12.0f\n", r.name.c_str(), r.p50_us, r.p99_us, r.p50_us - base.p50_us,
                r.rate);
  }
  // TLS against plaintext, both link hops of this run (target: p50 <= 1.5x,
  // >= 100k msgs/s).
  const Measurement& plain = results[results.size() - 2];
  const Measurement& tls = results.back();
  std::printf("\ntls hop / link hop: p50 x%.2f, p99 x%.2f, msgs/s x%.2f; TLS adds %.1f us at p50\n",
              tls.p50_us / plain.p50_us, tls.p99_us / plain.p99_us, tls.rate / plain.rate, tls.p50_us - plain.p50_us);
  std::printf("added p50 over direct: tls hop %.1f us, link hop %.1f us (x%.2f)\n", tls.p50_us - base.p50_us,
              plain.p50_us - base.p50_us, (tls.p50_us - base.p50_us) / (plain.p50_us - base.p50_us));
  return 0;
}
