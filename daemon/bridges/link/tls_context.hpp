#pragma once
// TlsContext: the OpenSSL context of one TLS link bridge, built from its
// `tls` settings (docs/bridge.md, "TLS"): our certificate chain and private
// key, the CA file the far side's certificate must chain to, the pins it may
// have to match instead or as well, and the protocol floor (TLS 1.2; 1.3 is
// preferred by OpenSSL when both sides have it).
//
//   auto context = TlsContext::load(settings, TlsSide::kServer);
//   if (!context) log(context.error().key + ": " + context.error().message);
//
// Loading checks what `ivyd --check-config` reports (tls_file_check.hpp):
// each file exists and is readable, holds PEM of the right kind, the key is
// not encrypted and matches the certificate. It also collects warnings that
// do not stop the link: a key readable by every user, our certificate
// expired or not yet valid.
//
// On SIGHUP the bridge loads a new TlsContext from the same files
// (certificate rotation) and uses it for the next handshakes; sessions in
// progress hold a reference to the context they started with.
//
// Ownership: shared (std::shared_ptr) between the bridge and its handshakes.
// Immutable after load() apart from OpenSSL's own reference counts.
// Thread: the io_context thread.

#include <memory>
#include <string>
#include <vector>

#include "config/fingerprint.hpp"
#include "core/result.hpp"
#include "daemon/asio.hpp"
#include "daemon/bridges/link/tls_certificate.hpp"

namespace ivy::daemon {

// The `tls` object of a link, its pins parsed.
struct TlsSettings {
  std::string cert_file;
  std::string key_file;
  std::string ca_file;                     // "" = pins only
  std::vector<config::Fingerprint> pins;   // empty = CA only
  std::string server_name;                 // client: the name the server's certificate must carry
};

// Something wrong with one of the files; `key` names it as in the config
// ("cert_file", "key_file", "ca_file"), `message` starts with the quoted path.
struct TlsFileProblem {
  std::string key;
  std::string message;
};

// "" when the file can be opened for reading, else why not ("cannot read:
// No such file or directory").
std::string why_unreadable(const std::string& path);

// The dialer of a link is the TLS client, the listener the server.
enum class TlsSide { kClient, kServer };

class TlsContext {
 public:
  static Result<std::shared_ptr<TlsContext>, TlsFileProblem> load(TlsSettings settings, TlsSide side);

  ssl::context& native() { return context_; }
  const TlsSettings& settings() const { return settings_; }
  TlsSide side() const { return side_; }
  // Our certificate (the first of cert_file).
  const CertificateInfo& certificate() const { return certificate_; }
  const std::vector<TlsFileProblem>& warnings() const { return warnings_; }

 private:
  using FileStatus = Result<void, TlsFileProblem>;

  TlsContext(TlsSettings settings, TlsSide side);
  FileStatus load_certificate();
  FileStatus load_key();
  FileStatus load_ca();
  void check_key_mode();
  void check_validity();

  TlsSettings settings_;
  TlsSide side_;
  ssl::context context_;
  CertificateInfo certificate_;
  std::vector<TlsFileProblem> warnings_;
};

}  // namespace ivy::daemon
