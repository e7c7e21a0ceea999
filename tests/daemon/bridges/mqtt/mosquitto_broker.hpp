#pragma once
// MosquittoBroker: a real mosquitto (/usr/sbin/mosquitto, Debian package
// mosquitto) on free loopback ports in a TempDir, for the MQTT gateway's
// tests and benchmark. The fixture writes its config, starts it, waits until
// it accepts connections, and stops it (SIGTERM) when destroyed; restart()
// stops and starts it again on the same ports (with `persistence`, its
// sessions and queued QoS 1 messages survive, as with a real restart).
//
// Listeners, all on 127.0.0.1 (per_listener_settings):
//   port()       anonymous MQTT
//   auth_port()  MQTT with user kUser / password kPassword only (Options::auth)
//   tls_port()   MQTT over TLS, server certificate for 127.0.0.1 and
//                localhost signed by ca_file() (Options::tls); other_ca_file()
//                is a CA that did not sign it
// The certificates are throwaway EC keys made with the `openssl` command.
//
// Running as root: `user root` keeps mosquitto from switching to the
// `mosquitto` user, which could not read the TempDir.
//
// Thread: the test's thread. No gtest here (the benchmark uses it too).

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/daemon/process_support.hpp"

namespace ivy::test {

// A TCP port on 127.0.0.1 that nobody listens on now (the kernel's choice).
inline std::uint16_t free_tcp_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  std::uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

// True once something accepts TCP connections on 127.0.0.1:`port`.
inline bool accepts_connections(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

class MosquittoBroker {
 public:
  static constexpr const char* kBinary = "/usr/sbin/mosquitto";
  static constexpr const char* kUser = "ivyd";
  static constexpr const char* kPassword = "s3cret-for-tests";

  struct Options {
    bool auth = false;         // the auth_port() listener
    bool tls = false;          // the tls_port() listener (and certificates)
    bool persistence = false;  // keep sessions across restart()
    int max_inflight_messages = 0;  // QoS 1/2 in flight per client (receive maximum); 0 = mosquitto's 20
  };

  MosquittoBroker() : MosquittoBroker(Options{}) {}
  explicit MosquittoBroker(Options options) : options_(options) {
    if (options_.auth && !make_password_file()) error_ = "mosquitto_passwd failed";
    if (options_.tls && !make_certificates()) error_ = "openssl failed to make the test certificates";
    if (error_.empty()) start_on_free_ports();
  }
  ~MosquittoBroker() { stop(); }
  MosquittoBroker(const MosquittoBroker&) = delete;
  MosquittoBroker& operator=(const MosquittoBroker&) = delete;

  // True if the broker runs; else error() says why.
  bool ok() const { return process_ != nullptr && error_.empty(); }
  const std::string& error() const { return error_; }

  std::uint16_t port() const { return port_; }
  std::uint16_t auth_port() const { return auth_port_; }
  std::uint16_t tls_port() const { return tls_port_; }
  std::string url() const { return "mqtt://127.0.0.1:" + std::to_string(port_); }
  std::string ca_file() const { return dir.file("ca.pem"); }
  std::string other_ca_file() const { return dir.file("other-ca.pem"); }
  std::string log() const { return read_text_file(dir.file("mosquitto.log")); }

  // SIGTERM and wait (mosquitto writes its persistence file on the way out).
  void stop() {
    if (!process_) return;
    process_->signal(SIGTERM);
    if (!process_->wait_for(std::chrono::seconds(5))) process_->signal(SIGKILL);
    process_.reset();
  }
  // Starts again on the same ports; false if it did not come up.
  bool start() {
    if (process_) return true;
    std::error_code ignored;
    process_ = std::make_unique<ChildProcess>(std::vector<std::string>{kBinary, "-c", dir.file("mosquitto.conf")},
                                              dir.file("out"), dir.file("err"));
    const bool up = process_->started() && eventually([&] {
                      return !process_->running() || (accepts_connections(port_) &&
                                                      (!options_.auth || accepts_connections(auth_port_)) &&
                                                      (!options_.tls || accepts_connections(tls_port_)));
                    }) &&
                    process_->running();
    if (!up) {
      error_ = "mosquitto did not start: " + read_text_file(dir.file("err")) + log();
      process_.reset();
    }
    return up;
  }
  bool restart() {
    stop();
    return start();
  }

  TempDir dir;

 private:
  // The kernel's free ports may be taken again before mosquitto binds them:
  // a few tries with fresh ones.
  void start_on_free_ports() {
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = free_tcp_port();
      auth_port_ = options_.auth ? free_tcp_port() : 0;
      tls_port_ = options_.tls ? free_tcp_port() : 0;
      write_config();
      error_.clear();
      if (start()) return;
    }
  }

  void write_config() {
    std::string conf = "user root\nper_listener_settings true\nlog_dest file " + dir.file("mosquitto.log") +
                       "\nlog_type error\nlog_type warning\nlog_type notice\nlog_type information\n";
    conf += options_.persistence ? "persistence true\npersistence_location " + dir.path + "/\n" : "persistence false\n";
    if (options_.max_inflight_messages > 0) {
      conf += "max_inflight_messages " + std::to_string(options_.max_inflight_messages) + "\n";
    }
    conf += "listener " + std::to_string(port_) + " 127.0.0.1\nallow_anonymous true\n";
    if (options_.auth) {
      conf += "listener " + std::to_string(auth_port_) + " 127.0.0.1\nallow_anonymous false\npassword_file " +
              dir.file("passwd") + "\n";
    }
    if (options_.tls) {
      conf += "listener " + std::to_string(tls_port_) + " 127.0.0.1\nallow_anonymous true\ncafile " + ca_file() +
              "\ncertfile " + dir.file("server.pem") + "\nkeyfile " + dir.file("server.key") + "\n";
    }
    write_text_file(dir.file("mosquitto.conf"), conf);
  }

  bool make_password_file() {
    return run_command({"/usr/bin/mosquitto_passwd", "-b", "-c", dir.file("passwd"), kUser, kPassword}) == 0;
  }

  bool openssl(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"/usr/bin/openssl"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv) == 0;
  }
  bool make_ca(const std::string& name) {
    return openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                    dir.file(name + ".key"), "-out", dir.file(name + ".pem"), "-days", "3650", "-subj",
                    "/CN=ivyd test " + name});
  }
  bool make_certificates() {
    write_text_file(dir.file("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n");
    return make_ca("ca") && make_ca("other-ca") &&
           openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                    dir.file("server.key"), "-out", dir.file("server.csr"), "-subj", "/CN=localhost"}) &&
           openssl({"x509", "-req", "-in", dir.file("server.csr"), "-CA", ca_file(), "-CAkey", dir.file("ca.key"),
                    "-CAcreateserial", "-out", dir.file("server.pem"), "-days", "3650", "-extfile",
                    dir.file("server.ext")});
  }

  Options options_;
  std::unique_ptr<ChildProcess> process_;
  std::string error_;
  std::uint16_t port_ = 0, auth_port_ = 0, tls_port_ = 0;
};

}  // namespace ivy::test

namespace ivy::test {

// One broker per test binary (gtest_discover_tests runs each test in its own
// process, so in practice one per test process), started on first use and
// stopped at exit: plain anonymous MQTT only.
inline MosquittoBroker& shared_broker() {
  static MosquittoBroker broker;
  return broker;
}

// The same with the user/password and TLS listeners too (its certificates
// take a moment to make, hence a broker of its own).
inline MosquittoBroker& shared_secure_broker() {
  static MosquittoBroker broker(MosquittoBroker::Options{true, true, false, 0});
  return broker;
}

}  // namespace ivy::test
