#pragma once
// TlsVerifier: checks the far side's certificate during one TLS handshake of
// a link, and says why it refused it.
//
//   with ca_file     the certificate must chain to it (OpenSSL's checks:
//                    issuer, signatures, validity dates, purpose)
//   with pins        the certificate's SHA-256 must be one of them; without
//                    ca_file an unknown issuer (a self-signed certificate) is
//                    then accepted, but the dates are still checked
//   server_name      (dialer) the certificate must name it: a DNS name
//                    matched against its subjectAltName (no partial
//                    wildcards), or an IP address
//
// A refusal has a short reason first, as the acceptance list names
// them: "unknown CA", "expired", "not yet valid", "name mismatch",
// "pin mismatch", followed by the certificate it is about.
//
// Ownership: shared by the handshake and the stream's verify callback.
// Thread: the io_context thread (OpenSSL calls back from inside the
// handshake).

#include <memory>
#include <string>

#include "daemon/asio.hpp"
#include "daemon/bridges/link/tls_context.hpp"

namespace ivy::daemon {

class TlsVerifier : public std::enable_shared_from_this<TlsVerifier> {
 public:
  explicit TlsVerifier(const TlsSettings& settings) : settings_(settings) {}

  // Sets the stream's verification: peer certificate required, this
  // verifier as callback, and the expected name (a client with server_name).
  void attach(ssl::stream<tcp::socket>& stream);

  // Why the certificate was refused; "" if it was not.
  const std::string& refusal() const { return refusal_; }

 private:
  bool verify(bool preverified, X509_STORE_CTX* store);
  bool refuse(X509_STORE_CTX* store, int error);

  TlsSettings settings_;
  std::string refusal_;
};

// The short reason for an X509 verification error: "unknown CA",
// "expired", ...; OpenSSL's own text for the others.
std::string verify_error_reason(int x509_error);

// Why a TLS handshake or session failed, from its error code: "not TLS" when
// the far side answered in plaintext, what its alert means when it refused
// us, else OpenSSL's text.
std::string describe_tls_error(const error_code& ec);

}  // namespace ivy::daemon
