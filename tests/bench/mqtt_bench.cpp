// mqtt_bench: messages per second bus -> broker -> bus through a real
// mosquitto (docs/bridge.md, "MQTT"; figures in docs/performance.md), against
// two baselines measured in the same run:
//
//  BM_MosquittoClients  mosquitto's own clients: `mosquitto_pub -l` reads the
//                       messages from a file and publishes them, QoS 0, to a
//                       `mosquitto_sub -C N` (three processes) - what the
//                       broker moves with the stock tools.
//  BM_LinkHop           sender --bus A--> ivyd-a (LinkBridge) --TCP--> ivyd-b
//                       --bus B--> receiver: the ivyd <-> ivyd link.
//  BM_MqttHop/qos:N/broker_inflight:M
//                       sender --bus A--> ivyd-a (MqttBridge, out) --> mosquitto
//                       --> ivyd-b (MqttBridge, in) --bus B--> receiver, at
//                       QoS N; M: the broker's max_inflight_messages (its
//                       receive maximum: QoS 1 messages a client may have
//                       unacknowledged), 0 = mosquitto's default, 20.
//
// In the two hops everything but the broker runs on ONE io_context thread
// (sender, both ivyd, receiver), as bridge_bench does; the broker is its own
// process. A burst of kBurst messages ("BENCH 000123 ..." about 25 bytes,
// like the stock-tools figure) goes out in slices, at most kWindow in
// flight end to end so that no queue overflows (mosquitto drops QoS 1
// messages past max_queued_messages, 1000 per client beyond those in
// flight), and is timed until the last one is received. Counters: msgs_per_s, and its ratio to each
// baseline (vs_mosquitto_clients, vs_link); dropped must stay 0.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/bus_spec.hpp"
#include "core/pcre_matcher.hpp"
#include "daemon/agent/agent.hpp"
#include "daemon/agent/listener_list.hpp"
#include "daemon/bridges/link/link_bridge.hpp"
#include "daemon/bridges/mqtt/mqtt_bridge.hpp"
#include "tests/bench/bench_support.hpp"
#include "tests/daemon/bridges/mqtt/mosquitto_broker.hpp"

namespace ivy::daemon {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using bench::quiet_log;

std::uint16_t free_bus_port() { return bench::free_bus_port(27000, 2000); }

constexpr int kBurst = 100'000;
constexpr int kWindow = 1000;
constexpr PeerKey kKeys = 1ull << 40;

double g_mosquitto_clients_rate = 0;  // baselines, filled by the benchmarks that run first
double g_link_rate = 0;

bool run_until(asio::io_context& io, const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
  const auto end = Clock::now() + limit;
  while (!done() && Clock::now() < end) {
    if (io.stopped()) io.restart();
    io.run_one_for(1ms);
  }
  return done();
}

std::string text(int i) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "BENCH %06d xxxxxxxxxxxx", i);
  return buf;
}

struct Counting : AgentListener {
  void on_message(PeerKey, const PeerIdentity&, int, const std::vector<std::string>&) override { ++count; }
  std::size_t count = 0;
};

// An agent on a loopback bus; as the daemon's agent it lends a BusPort.
struct Node {
  Node(asio::io_context& io, const std::string& name, std::uint16_t port, PeerKey key, AgentListener* listener = nullptr) {
    AgentOptions o;
    o.name = name;
    o.bus = *parse_bus_spec("127.255.255.255:" + std::to_string(port));
    o.first_peer_key = key;
    o.shutdown_grace = 100ms;
    agent = std::make_unique<Agent>(io, o, std::make_unique<PcreMatcher>(), quiet_log(),
                                    listener ? listener : &listeners);
    ok = agent->start().ok();
  }
  BusPort port() {
    return BusPort{"main", agent.get(), &listeners, [this] {
                     if (tap < 0) tap = *agent->subscribe("(.*)");
                     return tap;
                   }};
  }
  ListenerList listeners;
  std::unique_ptr<Agent> agent;
  int tap = -1;
  bool ok = false;
};

// Two buses with a sender on A and a receiver on B; the hop between them is
// the benchmark's.
struct TwoBuses {
  explicit TwoBuses(asio::io_context& io)
      : pa(free_bus_port()), pb(free_bus_port()), ivyd_a(io, "ivyd-a", pa, 1 * kKeys), ivyd_b(io, "ivyd-b", pb, 2 * kKeys),
        sender(io, "sender", pa, 3 * kKeys), receiver(io, "receiver", pb, 4 * kKeys, &counting) {
    (void)receiver.agent->subscribe("^BENCH (.*)");
  }
  bool ok() const { return ivyd_a.ok && ivyd_b.ok && sender.ok && receiver.ok; }
  // Sender linked to ivyd-a (and its tap known), ivyd-b holding the receiver's regexp.
  bool settle(asio::io_context& io) {
    return run_until(io, [&] {
      return sender.agent->matcher().subscription_count() >= 1 && ivyd_b.agent->matcher().subscription_count() >= 1;
    });
  }
  // One burst; false if messages went missing.
  bool burst(asio::io_context& io) {
    const auto start = counting.count;
    for (int sent = 0; sent < kBurst;) {
      for (int i = 0; i < 200 && sent < kBurst; ++i, ++sent) (void)sender.agent->send(text(sent));
      while (counting.count - start + kWindow < static_cast<std::size_t>(sent)) {
        if (!run_until(io, [&] { return counting.count - start + kWindow >= static_cast<std::size_t>(sent); }, 10s)) {
          return false;
        }
      }
    }
    return run_until(io, [&] { return counting.count - start >= static_cast<std::size_t>(kBurst); }, 30s);
  }

  std::uint16_t pa, pb;
  Counting counting;
  Node ivyd_a, ivyd_b, sender, receiver;
};

// A timer over the iterations: Google Benchmark's counters are finalised
// after the function returns, so the ratios are computed from our own clock.
struct Timed {
  double seconds = 0;
  std::uint64_t messages = 0;
  double rate() const { return seconds > 0 ? static_cast<double>(messages) / seconds : 0; }
};

void set_counters(benchmark::State& state, const Timed& t) {
  state.counters["msgs_per_s"] = t.rate();
  if (g_mosquitto_clients_rate > 0) state.counters["vs_mosquitto_clients"] = t.rate() / g_mosquitto_clients_rate;
  if (g_link_rate > 0) state.counters["vs_link"] = t.rate() / g_link_rate;
}

void BM_MosquittoClients(benchmark::State& state) {
  ivy::test::MosquittoBroker broker;
  if (!broker.ok()) return state.SkipWithError(broker.error().c_str());
  std::string lines;
  for (int i = 0; i < kBurst; ++i) lines += text(i) + "\n";
  ivy::test::write_text_file(broker.dir.file("lines"), lines);
  const std::string port = std::to_string(broker.port());
  Timed t;
  for (auto _ : state) {
    ivy::test::ChildProcess sub({"/usr/bin/mosquitto_sub", "-p", port, "-t", "bench", "-C", std::to_string(kBurst)},
                                broker.dir.file("sub.out"), broker.dir.file("sub.err"));
    std::this_thread::sleep_for(300ms);  // time to connect and subscribe (not timed)
    const auto t0 = Clock::now();
    ivy::test::ChildProcess pub({"/usr/bin/mosquitto_pub", "-p", port, "-t", "bench", "-l", "-q", "0"},
                                broker.dir.file("pub.out"), broker.dir.file("pub.err"), broker.dir.file("lines"));
    if (!sub.wait_for(60s)) return state.SkipWithError("mosquitto_sub did not get every message");
    t.seconds += std::chrono::duration<double>(Clock::now() - t0).count();
    t.messages += kBurst;
    pub.wait_for(5s);
  }
  g_mosquitto_clients_rate = t.rate();
  set_counters(state, t);
}
BENCHMARK(BM_MosquittoClients)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_LinkHop(benchmark::State& state) {
  asio::io_context io;
  TwoBuses buses(io);
  if (!buses.ok()) return state.SkipWithError("cannot start the agents");
  LinkBridgeOptions la;
  la.id = "a";
  la.instance_id = "ia";
  la.role = LinkConnection::Role::kListener;
  la.listen = "127.0.0.1:0";
  la.token = "bench-token-0123456789";
  la.policy.way = BridgeWay::kOut;
  la.first_peer_key = 5 * kKeys;
  LinkBridge link_a(io, la, buses.ivyd_a.port(), quiet_log());
  if (!link_a.start()) return state.SkipWithError("cannot listen");
  LinkBridgeOptions lb = la;
  lb.id = "b";
  lb.instance_id = "ib";
  lb.role = LinkConnection::Role::kDialer;
  lb.dial = {"127.0.0.1:" + std::to_string(link_a.listen_port())};
  lb.policy.way = BridgeWay::kIn;
  lb.first_peer_key = 6 * kKeys;
  LinkBridge link_b(io, lb, buses.ivyd_b.port(), quiet_log());
  if (!link_b.start()) return state.SkipWithError("cannot dial");
  if (!run_until(io, [&] { return link_a.status().state == "connected" && link_b.status().state == "connected"; }) ||
      !buses.settle(io)) {
    return state.SkipWithError("the link did not come up");
  }
  Timed t;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    if (!buses.burst(io)) return state.SkipWithError("messages were lost");
    t.seconds += std::chrono::duration<double>(Clock::now() - t0).count();
    t.messages += kBurst;
  }
  g_link_rate = t.rate();
  set_counters(state, t);
  state.counters["dropped"] = static_cast<double>(link_a.status().counters.outage_dropped);
}
BENCHMARK(BM_LinkHop)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

MqttBridgeOptions gateway(const std::string& id, const ivy::test::MosquittoBroker& broker, int qos, BridgeWay way,
                          PeerKey key) {
  MqttBridgeOptions o;
  o.id = id;
  o.instance_id = "bench-" + id;
  o.qos = qos;
  o.policy.way = way;
  o.topic_prefix = "ivy/" + id;
  o.client.broker = config::BrokerUrl{false, "127.0.0.1", broker.port()};
  o.client.client_id = "bench-" + id;
  o.client.qos = qos;
  if (way == BridgeWay::kIn) o.client.subscribe = {"ivy/a/#"};
  o.first_peer_key = key;
  return o;
}

void BM_MqttHop(benchmark::State& state) {
  const int qos = static_cast<int>(state.range(0));
  ivy::test::MosquittoBroker broker(
      ivy::test::MosquittoBroker::Options{false, false, false, static_cast<int>(state.range(1))});
  if (!broker.ok()) return state.SkipWithError(broker.error().c_str());
  asio::io_context io;
  TwoBuses buses(io);
  if (!buses.ok()) return state.SkipWithError("cannot start the agents");
  MqttBridge out(io, gateway("a", broker, qos, BridgeWay::kOut, 5 * kKeys), buses.ivyd_a.port(), quiet_log());
  MqttBridge in(io, gateway("b", broker, qos, BridgeWay::kIn, 6 * kKeys), buses.ivyd_b.port(), quiet_log());
  if (!out.start() || !in.start()) return state.SkipWithError("cannot start the bridges");
  if (!run_until(io, [&] { return out.status().state == "connected" && in.status().state == "connected"; }) ||
      !buses.settle(io)) {
    return state.SkipWithError("the bridges did not connect");
  }
  run_until(io, [] { return false; }, 200ms);  // the SUBACK
  Timed t;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    if (!buses.burst(io)) return state.SkipWithError("messages were lost");
    t.seconds += std::chrono::duration<double>(Clock::now() - t0).count();
    t.messages += kBurst;
  }
  set_counters(state, t);
  const auto s = out.status();
  state.counters["dropped"] = static_cast<double>(s.counters.outage_dropped + s.broker->publish_errors);
}
BENCHMARK(BM_MqttHop)
    ->ArgNames({"qos", "broker_inflight"})  // broker_inflight 0: mosquitto's default (20)
    ->Args({0, 0})
    ->Args({1, 0})
    ->Args({1, 1000})
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace ivy::daemon

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // as ivyd does: libmosquitto writes with write()
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
