#pragma once
// Support for the loopback tests of the Asio agent (agent_test.cpp,
// agent_wire_test.cpp): a bus port per test, a bounded run loop, a recording
// AgentListener and a raw fake peer that speaks bytes, not Ivy.
//
// Network rules: everything stays on 127.0.0.0/8. The bus is
// 127.255.255.255:<port>; TCP goes to 127.0.0.1.
//
// Ports: ctest runs every TEST in its own process (gtest_discover_tests), so
// a static counter alone would hand two parallel tests the same port. The
// first port of a test is derived from a hash of its full name, then probed:
// a UDP bind *without* SO_REUSEADDR/SO_REUSEPORT fails while any agent of
// another test holds the port, so a collision moves on to the next port. The
// range 23000-31999 stays below Linux's ephemeral range (32768-60999).
//
// Thread: everything here runs on the test's thread, on one io_context.

#include <gtest/gtest.h>

#include <linux/filter.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bus_spec.hpp"
#include "core/pcre_matcher.hpp"
#include "daemon/agent/agent.hpp"
#include "daemon/asio.hpp"
#include "daemon/log.hpp"

namespace ivy::daemon::test {

using namespace std::chrono_literals;

inline constexpr std::uint16_t kFirstTestPort = 23000;
inline constexpr std::uint16_t kTestPortRange = 9000;

// True if nobody holds UDP `port` (probed with a plain, exclusive bind).
inline bool udp_port_free(std::uint16_t port) {
  asio::io_context io;
  udp::socket socket(io);
  error_code ec;
  socket.open(udp::v4(), ec);
  if (!ec) socket.bind(udp::endpoint(asio::ip::address_v4::any(), port), ec);
  return !ec;
}

// A bus port no other test uses now: hash of the running test's name, then
// the next free one. Successive calls in one test give successive ports.
inline std::uint16_t unique_bus_port() {
  static unsigned calls = 0;
  std::string name = "no-test";
  if (const auto* info = ::testing::UnitTest::GetInstance()->current_test_info()) {
    name = std::string(info->test_suite_name()) + "." + info->name();
  }
  std::uint32_t hash = 2166136261u;  // FNV-1a: stable across runs and compilers
  for (unsigned char c : name) hash = (hash ^ c) * 16777619u;
  for (unsigned attempt = 0; attempt < kTestPortRange; ++attempt) {
    const auto port = static_cast<std::uint16_t>(kFirstTestPort + (hash + 7 * calls++) % kTestPortRange);
    if (udp_port_free(port)) return port;
  }
  ADD_FAILURE() << "no free UDP port in the test range";
  return kFirstTestPort;
}

inline BusSpec loopback_bus(std::uint16_t port) {
  auto spec = parse_bus_spec("127.255.255.255:" + std::to_string(port));
  EXPECT_TRUE(spec.has_value());
  return spec ? *spec : BusSpec{};
}

// Runs `io` in small slices until `done()` or `timeout`. Returns done().
inline bool run_until(asio::io_context& io, const std::function<bool()>& done,
                      std::chrono::milliseconds timeout = 3000ms) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return done();
    if (io.stopped()) io.restart();
    io.run_for(2ms);
  }
  return true;
}

// Runs `io` for exactly `duration` (to show that something does NOT happen).
inline void run_for(asio::io_context& io, std::chrono::milliseconds duration) {
  run_until(io, [] { return false; }, duration);
}

// --- vanishing hosts -----------------------------------------------------------

// Makes our end of a loopback connection behave like a host that vanished
// (power cut, cable pulled): no FIN, no RST, and no answer to anything
// afterwards. A socket filter (classic BPF "return 0") drops every segment
// that arrives for this socket before TCP sees it, so the far side's data
// and keepalive probes are never acknowledged, and we send nothing as long
// as the test writes nothing. Unprivileged; nothing leaves 127.0.0.0/8.
inline bool drop_all_incoming(int fd) {
  sock_filter drop{BPF_RET | BPF_K, 0, 0, 0};
  sock_fprog program{1, &drop};
  return ::setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) == 0;
}

// Makes our end of a connection behave like a host that rebooted: closed
// without FIN or RST (TCP_REPAIR mode), so our kernel no longer knows the
// connection and answers the far side's next segment with RST. Needs
// CAP_NET_ADMIN: false (socket untouched) without it.
inline bool close_silently(tcp::socket& socket) {
  const int on = 1;
  if (::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_REPAIR, &on, sizeof on) != 0) return false;
  error_code ignored;
  socket.close(ignored);
  return true;
}

// --- RecordingListener -------------------------------------------------------

struct AgentEvent {
  enum class Kind {
    kConnected, kDisconnected, kSubAdded, kSubRemoved, kSubError, kMessage, kDirect, kDie, kError,
    kFrameDropped, kQueueDrained
  };
  Kind kind;
  PeerKey peer = 0;
  std::string peer_name;
  int id = 0;
  std::string text;  // pattern, direct text, error text
  std::vector<std::string> args;
  CloseReason reason = CloseReason::kLocal;
};

// Stores every event, in order.
class RecordingListener : public AgentListener {
 public:
  using Kind = AgentEvent::Kind;

  void on_connected(PeerKey k, const PeerIdentity& who) override { push(ev(Kind::kConnected, k, who.name)); }
  void on_disconnected(PeerKey k, const PeerIdentity& who, CloseReason reason) override {
    AgentEvent e = ev(Kind::kDisconnected, k, who.name);
    e.reason = reason;
    push(std::move(e));
  }
  void on_subscription_added(PeerKey k, const PeerIdentity& who, int id, const std::string& re) override {
    push(ev(Kind::kSubAdded, k, who.name, id, re));
  }
  void on_subscription_removed(PeerKey k, const PeerIdentity& who, int id, const std::string& re) override {
    push(ev(Kind::kSubRemoved, k, who.name, id, re));
  }
  void on_subscription_error(PeerKey k, const PeerIdentity& who, int id, const std::string& re,
                             const CompileError&) override {
    push(ev(Kind::kSubError, k, who.name, id, re));
  }
  void on_message(PeerKey k, const PeerIdentity& who, int id, const std::vector<std::string>& args) override {
    AgentEvent e = ev(Kind::kMessage, k, who.name, id);
    e.args = args;
    push(std::move(e));
  }
  void on_direct(PeerKey k, const PeerIdentity& who, int id, const std::string& text) override {
    push(ev(Kind::kDirect, k, who.name, id, text));
  }
  void on_die(PeerKey k, const PeerIdentity& who, int id, DiePolicy) override { push(ev(Kind::kDie, k, who.name, id)); }
  void on_peer_error(PeerKey k, const PeerIdentity& who, int id, const std::string& text) override {
    push(ev(Kind::kError, k, who.name, id, text));
  }
  void on_frame_dropped(PeerKey k, const PeerIdentity& who) override { push(ev(Kind::kFrameDropped, k, who.name)); }
  void on_queue_drained(PeerKey k, const PeerIdentity& who) override { push(ev(Kind::kQueueDrained, k, who.name)); }

  std::size_t count(Kind kind) const {
    std::size_t n = 0;
    for (const auto& e : events) n += e.kind == kind;
    return n;
  }
  std::size_t count(Kind kind, std::string_view peer_name) const {
    std::size_t n = 0;
    for (const auto& e : events) n += e.kind == kind && e.peer_name == peer_name;
    return n;
  }
  std::vector<AgentEvent> of(Kind kind) const {
    std::vector<AgentEvent> out;
    for (const auto& e : events) {
      if (e.kind == kind) out.push_back(e);
    }
    return out;
  }

  std::vector<AgentEvent> events;
  std::function<void(const AgentEvent&)> on_event;  // optional hook (e.g. the pong of a ping-pong)

 private:
  static AgentEvent ev(Kind kind, PeerKey peer, const std::string& name, int id = 0, const std::string& text = {}) {
    AgentEvent e{kind, peer, name, id, text, {}, CloseReason::kLocal};
    return e;
  }
  void push(AgentEvent e) {
    events.push_back(std::move(e));
    if (on_event) on_event(events.back());
  }
};

// --- agents --------------------------------------------------------------------

// One real Agent with its listener, on the shared io_context and bus.
struct TestAgent {
  TestAgent(asio::io_context& io, Logger& log, std::string name, std::uint16_t bus_port,
            const std::function<void(AgentOptions&)>& tune = {}) {
    AgentOptions options;
    options.name = std::move(name);
    options.bus = loopback_bus(bus_port);
    options.shutdown_grace = 500ms;
    if (tune) tune(options);
    agent = std::make_unique<Agent>(io, std::move(options), std::make_unique<PcreMatcher>(), log, &events);
  }
  Agent* operator->() { return agent.get(); }
  Agent& operator*() { return *agent; }

  RecordingListener events;
  std::unique_ptr<Agent> agent;
};

// Subscriptions the agent holds from all its peers (what send() matches).
inline std::size_t peer_subscriptions(Agent& agent) { return agent.matcher().subscription_count(); }

// True when every agent has a ready link to every other one, exactly one each.
inline bool full_mesh(const std::vector<TestAgent*>& agents) {
  for (auto* a : agents) {
    const auto peers = (*a)->peers();
    if (peers.size() != agents.size() - 1) return false;
    for (const auto& p : peers) {
      if (!p.ready) return false;
    }
  }
  return true;
}

// --- RawPeer ---------------------------------------------------------------------

// A scripted fake agent made of plain Asio sockets on the test's io_context.
// It writes exactly the bytes it is given and logs every byte it reads
// (`received`). It can listen (and announce itself over UDP with any raw
// datagram, so the agent connects back) or connect to the agent's port.
class RawPeer {
 public:
  explicit RawPeer(asio::io_context& io) : io_(io), acceptor_(io), socket_(io), udp_(io) {}

 private:
  // (Defined before its first use: its return type is deduced.)
  // A completion handler that does nothing once this peer is destroyed: its
  // sockets' destructors abort the pending operations, and a later io.run()
  // (a fixture's TearDown) would otherwise run them on a dead object (a
  // stack-use-after-scope that ASan caught in LinkTest).
  template <class Handler>
  auto guard(Handler handler) {
    return [alive = std::weak_ptr<char>(alive_), handler = std::move(handler)](auto&&... args) mutable {
      if (!alive.expired()) handler(std::forward<decltype(args)>(args)...);
    };
  }

 public:
  // Listens on 127.0.0.1, ephemeral port; the next connection is accepted.
  std::uint16_t listen() {
    const tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen();
    acceptor_.async_accept(guard([this](const error_code& ec, tcp::socket s) {
      if (ec) return;
      ++accepted;
      socket_ = std::move(s);
      on_open();
    }));
    return acceptor_.local_endpoint().port();
  }
  std::uint16_t listen_port() const { return acceptor_.is_open() ? acceptor_.local_endpoint().port() : 0; }

  // Connects to 127.0.0.1:`port` (the agent's TCP listener).
  void connect(std::uint16_t port) {
    socket_.open(tcp::v4());
    if (receive_buffer_bytes) socket_.set_option(asio::socket_base::receive_buffer_size(receive_buffer_bytes));
    socket_.async_connect(tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), port),
                          guard([this](const error_code& ec) {
                            if (!ec) on_open();
                          }));
  }

  // Sends one raw UDP datagram to the loopback bus.
  void send_datagram(std::uint16_t bus_port, std::string_view datagram) {
    if (!udp_.is_open()) {
      udp_.open(udp::v4());
      udp_.set_option(asio::socket_base::broadcast(true));
    }
    udp_.send_to(asio::buffer(datagram), udp::endpoint(asio::ip::make_address_v4("127.255.255.255"), bus_port));
  }
  // "3 <listen port> <app-id> <name>\n"
  void announce(std::uint16_t bus_port, std::string_view name = "RAWPEER") {
    send_datagram(bus_port, "3 " + std::to_string(listen_port()) + " raw:" + std::to_string(listen_port()) + " " +
                                std::string(name) + "\n");
  }

  // Queues raw bytes; writes happen in order.
  void write(std::string bytes) {
    pending_.push_back(std::move(bytes));
    if (pending_.size() == 1) do_write();
  }
  // Writes one byte per write() call, each after the previous one completed.
  void write_bytewise(std::string_view bytes) {
    for (char c : bytes) write(std::string(1, c));
  }
  bool write_idle() const { return pending_.empty(); }
  // Bytes written to the socket that its far end has not acknowledged yet
  // (SIOCOUTQ); -1 if it cannot be asked.
  int unacknowledged_bytes() {
    int bytes = 0;
    return ::ioctl(socket_.native_handle(), SIOCOUTQ, &bytes) == 0 ? bytes : -1;
  }
  // Written and acknowledged by the far end's kernel: nothing of ours is left
  // for the kernel to retransmit.
  bool all_acknowledged() { return write_idle() && unacknowledged_bytes() == 0; }

  void stop_reading() { reading_paused_ = true; }
  void resume_reading() {
    reading_paused_ = false;
    if (!read_pending_ && connected && !eof) do_read();
  }
  // Orderly close (FIN).
  void close() {
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }
  // Abrupt close: SO_LINGER 0 makes close() send RST.
  void reset() {
    error_code ignored;
    socket_.set_option(asio::socket_base::linger(true, 0), ignored);
    socket_.close(ignored);
  }
  void close_listener() {
    error_code ignored;
    acceptor_.close(ignored);
  }
  // Our host vanishes (drop_all_incoming()): the socket stays open and
  // silent. False if the filter could not be attached.
  bool vanish() { return drop_all_incoming(socket_.native_handle()); }
  // Our host reboots (close_silently()). False without CAP_NET_ADMIN.
  bool forget() { return close_silently(socket_); }

  // Frames received so far (complete lines, LF included).
  std::size_t count_frames(std::string_view prefix = {}) const {
    std::size_t n = 0, start = 0;
    for (std::size_t lf; (lf = received.find('\n', start)) != std::string::npos; start = lf + 1) {
      n += std::string_view(received).substr(start, lf - start + 1).starts_with(prefix);
    }
    return n;
  }
  bool has(std::string_view bytes) const { return received.find(bytes) != std::string::npos; }

  std::string received;
  std::size_t bytes_written = 0;
  std::size_t accepted = 0;
  bool connected = false;
  bool eof = false;
  error_code read_error;
  int receive_buffer_bytes = 0;  // SO_RCVBUF for connect(); 0: system default

 private:
  void on_open() {
    connected = true;
    if (!reading_paused_) do_read();
    if (!pending_.empty()) do_write();
  }
  void do_read() {
    read_pending_ = true;
    socket_.async_read_some(asio::buffer(buffer_), guard([this](const error_code& ec, std::size_t n) {
      read_pending_ = false;
      if (ec) {
        eof = true;
        read_error = ec;
        return;
      }
      received.append(buffer_.data(), n);
      if (!reading_paused_) do_read();
    }));
  }
  void do_write() {
    if (!connected || writing_) return;
    writing_ = true;
    asio::async_write(socket_, asio::buffer(pending_.front()), guard([this](const error_code& ec, std::size_t n) {
      writing_ = false;
      if (ec) return;
      bytes_written += n;
      pending_.erase(pending_.begin());
      if (!pending_.empty()) do_write();
    }));
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  tcp::socket socket_;
  udp::socket udp_;
  std::array<char, 64 * 1024> buffer_{};
  std::vector<std::string> pending_;
  bool writing_ = false;
  bool read_pending_ = false;
  bool reading_paused_ = false;
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

// A plain UDP socket on the bus port (shared like an agent's), to read the
// datagrams agents send.
class BusListener {
 public:
  BusListener(asio::io_context& io, std::uint16_t bus_port) : socket_(io) {
    socket_.open(udp::v4());
    socket_.set_option(asio::socket_base::reuse_address(true));
    socket_.set_option(reuse_port(true));
    socket_.set_option(asio::socket_base::broadcast(true));
    socket_.bind(udp::endpoint(asio::ip::address_v4::any(), bus_port));
    do_receive();
  }
  std::vector<std::string> datagrams;

 private:
  void do_receive() {
    socket_.async_receive_from(asio::buffer(buffer_), sender_, [this](const error_code& ec, std::size_t n) {
      if (ec) return;
      datagrams.emplace_back(buffer_.data(), n);
      do_receive();
    });
  }
  udp::socket socket_;
  udp::endpoint sender_;
  std::array<char, 65536> buffer_{};
};

// Ivy frames, spelled out for the fake peer.
inline std::string frame(int type, int id, std::string_view payload = {}) {
  return std::to_string(type) + " " + std::to_string(id) + "\x02" + std::string(payload) + "\n";
}

// The log of a test: kept in memory, checked by some tests.
struct TestLog {
  std::ostringstream text;
  Logger logger{LogLevel::kInfo, Logger::Style::kPlain, &text};
};

}  // namespace ivy::daemon::test
