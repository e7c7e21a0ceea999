#include "daemon/bridges/link/tls_certificate.hpp"

#include <cstdio>
#include <ctime>
#include <memory>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>

namespace ivy::daemon {
namespace {

std::string one_line(X509_NAME* name) {
  if (!name) return "";
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  // RFC 2253 order and escaping, but UTF-8 kept readable.
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) return "";
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

}  // namespace

std::string iso8601(const ASN1_TIME* time) {
  std::tm tm{};
  if (!time || ASN1_TIME_to_tm(time, &tm) != 1) return "";
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
  return text;
}

config::Fingerprint certificate_fingerprint(X509* certificate) {
  config::Fingerprint out{};
  unsigned int size = 0;
  if (certificate) X509_digest(certificate, EVP_sha256(), out.data(), &size);
  return out;
}

CertificateInfo describe_certificate(X509* certificate) {
  CertificateInfo info;
  if (!certificate) return info;
  info.subject = one_line(X509_get_subject_name(certificate));
  info.issuer = one_line(X509_get_issuer_name(certificate));
  info.not_before = iso8601(X509_get0_notBefore(certificate));
  info.not_after = iso8601(X509_get0_notAfter(certificate));
  info.fingerprint = certificate_fingerprint(certificate);
  return info;
}

TlsSessionInfo describe_session(SSL* ssl) {
  TlsSessionInfo info;
  info.protocol = SSL_get_version(ssl);
  if (const char* cipher = SSL_get_cipher_name(ssl)) info.cipher = cipher;
  X509* peer = SSL_get1_peer_certificate(ssl);
  info.peer = describe_certificate(peer);
  X509_free(peer);
  return info;
}

std::string take_openssl_error() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "";
  if (const char* reason = ERR_reason_error_string(code)) return reason;
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

}  // namespace ivy::daemon
