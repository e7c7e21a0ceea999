#pragma once
// What ivyd tells about a certificate and a TLS session: for logs, for
// `ivyctl status` (the `tls` object of a link bridge) and for pinning.
//
//   CertificateInfo info = describe_certificate(cert);
//   info.subject     // "CN=site-a,O=Lab" (RFC 2253)
//   info.not_after   // "2036-05-01T12:00:00Z"
//   info.fingerprint // SHA-256 of the DER encoding, as `openssl x509 -fingerprint -sha256`
//
// Thread: pure functions of OpenSSL objects the caller owns.

#include <string>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "config/fingerprint.hpp"

namespace ivy::daemon {

struct CertificateInfo {
  std::string subject;
  std::string issuer;
  std::string not_before;  // ISO 8601, UTC
  std::string not_after;   // ISO 8601, UTC
  config::Fingerprint fingerprint{};
};

// One TLS session of a link, as negotiated.
struct TlsSessionInfo {
  std::string protocol;  // "TLSv1.3"
  std::string cipher;    // "TLS_AES_256_GCM_SHA384"
  CertificateInfo peer;  // the far side's certificate
};

CertificateInfo describe_certificate(X509* certificate);

// The session of `ssl` after its handshake.
TlsSessionInfo describe_session(SSL* ssl);

// SHA-256 of the certificate's DER encoding.
config::Fingerprint certificate_fingerprint(X509* certificate);

// "2036-05-01T12:00:00Z"; "" if `time` is null or malformed.
std::string iso8601(const ASN1_TIME* time);

// The oldest error on OpenSSL's error queue, as text, and empties the queue
// (so it does not leak into the next caller's message); "" if none.
std::string take_openssl_error();

}  // namespace ivy::daemon
