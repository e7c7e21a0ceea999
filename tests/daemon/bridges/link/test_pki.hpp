#pragma once
// TestPki: a throwaway lab CA and the certificates the TLS link tests need,
// made with the OpenSSL API in a TempDir (files `<name>.crt`, `<name>.key`;
// the CA's in `ca.crt`). Header-only: the tests and tests/bench use it.
//
//   TestPki pki;                                    // CA "ivyd test CA <n>"
//   auto a = pki.issue("site-a");                   // CN and DNS name site-a, signed by the CA
//   auto old = pki.issue("site-b", TestPki::Validity::kExpired);
//   auto lone = pki.self_signed("pinned");          // for pins: no CA signed it
//   pki.ca_file(); a.cert_file; a.key_file; a.fingerprint ("AB:CD:...")
//
// Dates are relative to the clock of the process that makes them, read with
// time(): under libfaketime (tests/run-faketime.sh, +400 days) the tests
// and the ivyd they start see the same shifted clock, so a current
// certificate is current and an expired one expired for both, whatever the
// date. Current: from 1 day ago to 10 years ahead; expired: from 30 days
// ago to 1 day ago; not yet valid: from 1 day ahead to 30 days ahead.
//
// Keys are EC P-256 (fast to make), written mode 0600 and unencrypted.
// Certificates carry both TLS purposes (a site may listen on one link and
// dial on another). An OpenSSL call that fails throws std::runtime_error,
// which GoogleTest reports as the test's failure (no gtest dependency here:
// tests/bench uses this too).

#include <sys/stat.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tests/daemon/process_support.hpp"

namespace ivy::test {

class TestPki {
 public:
  enum class Validity { kCurrent, kExpired, kNotYetValid };

  struct Identity {
    std::string cert_file;
    std::string key_file;
    std::string fingerprint;  // SHA-256, "AB:CD:..."
  };

  explicit TestPki(std::string ca_name = {}) : ca_key_(make_key()), ca_cert_(nullptr, &X509_free) {
    static int serial = 0;
    if (ca_name.empty()) ca_name = "ivyd test CA " + std::to_string(++serial);
    ca_cert_ = make_cert(ca_name, ca_key_.get(), Validity::kCurrent);
    X509_set_issuer_name(ca_cert_.get(), X509_get_subject_name(ca_cert_.get()));
    add_extension(ca_cert_.get(), ca_cert_.get(), NID_basic_constraints, "critical,CA:TRUE");
    add_extension(ca_cert_.get(), ca_cert_.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
    add_extension(ca_cert_.get(), ca_cert_.get(), NID_subject_key_identifier, "hash");
    sign(ca_cert_.get(), ca_key_.get());
    ca_file_ = dir.file("ca.crt");
    write_cert(ca_file_, ca_cert_.get());
  }

  const std::string& ca_file() const { return ca_file_; }

  // A certificate for `name` (its CN and DNS subjectAltName) signed by this
  // CA, in files named `file_stem` (default: `name`).
  Identity issue(const std::string& name, Validity validity = Validity::kCurrent, std::string file_stem = {}) {
    Key key = make_key();
    Cert cert = make_cert(name, key.get(), validity);
    add_extension(cert.get(), ca_cert_.get(), NID_basic_constraints, "critical,CA:FALSE");
    add_extension(cert.get(), ca_cert_.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment");
    add_extension(cert.get(), ca_cert_.get(), NID_ext_key_usage, "serverAuth,clientAuth");
    add_extension(cert.get(), ca_cert_.get(), NID_subject_alt_name, ("DNS:" + name).c_str());
    X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert_.get()));
    sign(cert.get(), ca_key_.get());
    return save(dir, file_stem.empty() ? name : file_stem, cert.get(), key.get());
  }

  // A self-signed certificate for `name`: trusted by nobody, only by a pin.
  Identity self_signed(const std::string& name) {
    Key key = make_key();
    Cert cert = make_cert(name, key.get(), Validity::kCurrent);
    add_extension(cert.get(), cert.get(), NID_subject_alt_name, ("DNS:" + name).c_str());
    X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
    sign(cert.get(), key.get());
    return save(dir, name, cert.get(), key.get());
  }

  TempDir dir;

 private:
  using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
  using Cert = std::unique_ptr<X509, decltype(&X509_free)>;

  static void check(bool ok, const std::string& what) {
    if (!ok) throw std::runtime_error("TestPki: " + what + " failed");
  }

  static Key make_key() {
    Key key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
    check(key != nullptr, "EVP_EC_gen");
    return key;
  }

  static Cert make_cert(const std::string& name, EVP_PKEY* key, Validity validity) {
    static long serial = 1000;
    Cert cert(X509_new(), &X509_free);
    X509_set_version(cert.get(), 2);  // v3
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), ++serial);
    constexpr long kDay = 24 * 3600;
    const auto [from, to] = validity == Validity::kCurrent   ? std::pair{-kDay, 3650 * kDay}
                            : validity == Validity::kExpired ? std::pair{-30 * kDay, -kDay}
                                                             : std::pair{kDay, 30 * kDay};
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), from);  // from time(): see the header
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), to);
    X509_NAME* subject = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("ivyd tests"), -1,
                               -1, 0);
    X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(name.c_str()), -1,
                               -1, 0);
    X509_set_pubkey(cert.get(), key);
    return cert;
  }

  static void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
    check(extension != nullptr, std::string("extension ") + value);
    X509_add_ext(cert, extension, -1);
    X509_EXTENSION_free(extension);
  }

  static void sign(X509* cert, EVP_PKEY* key) {
    check(X509_sign(cert, key, EVP_sha256()) > 0, "X509_sign");
  }

  static void write_cert(const std::string& path, X509* cert) {
    std::FILE* f = std::fopen(path.c_str(), "w");
    const bool written = f && PEM_write_X509(f, cert) == 1;
    if (f) std::fclose(f);
    check(written, "writing " + path);
  }

  static Identity save(const TempDir& in, const std::string& stem, X509* cert, EVP_PKEY* key) {
    Identity id{in.file(stem + ".crt"), in.file(stem + ".key"), ""};
    write_cert(id.cert_file, cert);
    std::FILE* f = std::fopen(id.key_file.c_str(), "w");
    ::chmod(id.key_file.c_str(), 0600);
    const bool written = f && PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
    if (f) std::fclose(f);
    check(written, "writing " + id.key_file);
    unsigned char digest[32];
    unsigned int size = 0;
    X509_digest(cert, EVP_sha256(), digest, &size);
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (unsigned int i = 0; i < size; ++i) {
      if (i) id.fingerprint += ':';
      id.fingerprint += kHex[digest[i] >> 4];
      id.fingerprint += kHex[digest[i] & 0xF];
    }
    return id;
  }

  Key ca_key_;
  Cert ca_cert_;
  std::string ca_file_;
};

}  // namespace ivy::test
