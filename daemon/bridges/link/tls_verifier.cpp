#include "daemon/bridges/link/tls_verifier.hpp"

#include <algorithm>

#include <openssl/err.h>
#include <openssl/x509v3.h>

namespace ivy::daemon {
namespace {

// The chain does not lead to a CA we hold. With pins and no ca_file that is
// expected (the far side's certificate may well be self-signed).
bool is_unknown_issuer(int error) {
  switch (error) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED:
      return true;
    default:
      return false;
  }
}

bool is_ip_address(const std::string& name) {
  error_code ec;
  asio::ip::make_address(name, ec);
  return !ec;
}

}  // namespace

std::string verify_error_reason(int x509_error) {
  if (is_unknown_issuer(x509_error)) return "unknown CA";
  switch (x509_error) {
    case X509_V_ERR_CERT_HAS_EXPIRED: return "expired";
    case X509_V_ERR_CERT_NOT_YET_VALID: return "not yet valid";
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH: return "name mismatch";
    default: return X509_verify_cert_error_string(x509_error);
  }
}

void TlsVerifier::attach(ssl::stream<tcp::socket>& stream) {
  SSL* ssl = stream.native_handle();
  stream.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  stream.set_verify_callback([self = shared_from_this()](bool preverified, ssl::verify_context& context) {
    return self->verify(preverified, context.native_handle());
  });
  const std::string& name = settings_.server_name;
  if (name.empty()) return;
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (is_ip_address(name)) {
    X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
    return;
  }
  SSL_set_tlsext_host_name(ssl, name.c_str());  // SNI, for a listener behind a TLS proxy
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
}

// OpenSSL calls this for every certificate of the chain (deepest first) and
// once more for each problem it finds. Returning true on a problem lets the
// verification go on, which is how pins replace the CA.
bool TlsVerifier::verify(bool preverified, X509_STORE_CTX* store) {
  const int error = X509_STORE_CTX_get_error(store);
  if (!preverified) {
    // Pins without a CA: the issuer does not matter, the pin below decides.
    if (settings_.ca_file.empty() && !settings_.pins.empty() && is_unknown_issuer(error)) return true;
    return refuse(store, error);
  }
  if (X509_STORE_CTX_get_error_depth(store) != 0 || settings_.pins.empty()) return true;
  const auto fingerprint = certificate_fingerprint(X509_STORE_CTX_get_current_cert(store));
  if (std::find(settings_.pins.begin(), settings_.pins.end(), fingerprint) != settings_.pins.end()) return true;
  X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
  return refuse(store, X509_V_ERR_APPLICATION_VERIFICATION);
}

bool TlsVerifier::refuse(X509_STORE_CTX* store, int error) {
  if (!refusal_.empty()) return false;  // the first problem is the one to tell
  // A chain that leads nowhere is told about the far side's own certificate
  // (the one OpenSSL is at may be a CA it sent along); dates about the one
  // that has them.
  X509* subject = is_unknown_issuer(error) ? X509_STORE_CTX_get0_cert(store) : X509_STORE_CTX_get_current_cert(store);
  const CertificateInfo cert = describe_certificate(subject);
  const std::string who = "certificate '" + cert.subject + "'";
  switch (error) {
    case X509_V_ERR_APPLICATION_VERIFICATION:
      refusal_ = "pin mismatch: " + who + " has SHA-256 fingerprint " + config::to_string(cert.fingerprint) +
                 ", which is not in peer_fingerprints";
      break;
    case X509_V_ERR_CERT_HAS_EXPIRED:
      refusal_ = "expired: " + who + " was valid until " + cert.not_after;
      break;
    case X509_V_ERR_CERT_NOT_YET_VALID:
      refusal_ = "not yet valid: " + who + " is valid from " + cert.not_before;
      break;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      refusal_ = "name mismatch: " + who + " is not for '" + settings_.server_name + "' (server_name)";
      break;
    default:
      refusal_ = verify_error_reason(error) + ": " + who + " (issuer '" + cert.issuer + "')" +
                 (is_unknown_issuer(error) ? " does not chain to ca_file" : "");
  }
  return false;
}

std::string describe_tls_error(const error_code& ec) {
  if (ec == asio::error::eof || ec == ssl::error::stream_truncated) {
    return "the far side closed the connection during the TLS handshake";
  }
  if (ec.category() != asio::error::get_ssl_category()) return ec.message();
  switch (ERR_GET_REASON(static_cast<unsigned long>(ec.value()))) {
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_UNKNOWN_PROTOCOL:
    case SSL_R_PACKET_LENGTH_TOO_LONG:
    case SSL_R_HTTP_REQUEST:
    case SSL_R_RECORD_LENGTH_MISMATCH:
      return "not TLS: the far side answered in plaintext (" + ec.message() + ")";
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
      return "the far side refused our certificate: unknown CA (" + ec.message() + ")";
    case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
      return "the far side refused our certificate: expired (" + ec.message() + ")";
    case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
      return "the far side refused the TLS handshake (" + ec.message() +
             "): our certificate is not in its peer_fingerprints, or we share no protocol version or cipher";
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
      return "the far side refused our certificate (" + ec.message() + ")";
    default:
      return "TLS: " + ec.message();
  }
}

}  // namespace ivy::daemon
