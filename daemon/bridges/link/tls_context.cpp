#include "daemon/bridges/link/tls_context.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <openssl/err.h>
#include <openssl/pem.h>

namespace ivy::daemon {
namespace {

std::string quoted(const std::string& path) { return "\"" + path + "\""; }

// Keys are read without a prompt: a daemon has no terminal, and OpenSSL's
// default would ask on one. An encrypted key therefore fails to load.
int no_passphrase(char*, int, int, void*) { return -1; }

// A failure of the file under `key`, the message completed with `what`.
Unexpected<TlsFileProblem> problem(std::string key, const std::string& path, const std::string& what) {
  return fail_with(TlsFileProblem{std::move(key), quoted(path) + ": " + what});
}

// Session resumption, renegotiation and compression buy nothing on one
// long-lived link and each has had its attacks; TLS 1.2 gets forward-secret
// AEAD suites only (TLS 1.3's are all of that kind).
void harden(SSL_CTX* context, TlsSide side) {
  SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  SSL_CTX_set_options(context, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_NO_TICKET |
                                   SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_cipher_list(context, "ECDHE+AESGCM:ECDHE+CHACHA20");
  SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(context, 0);  // TLS 1.3 would send two after each handshake
  // Send the chain cert_file holds, not one OpenSSL would complete from
  // ca_file: what goes on the wire is what the operator wrote.
  SSL_CTX_set_mode(context, SSL_MODE_NO_AUTO_CHAIN);
  const int mode = side == TlsSide::kServer ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_PEER;
  SSL_CTX_set_verify(context, mode, nullptr);
}

}  // namespace

std::string why_unreadable(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) return std::string("cannot read: ") + std::strerror(errno);
  std::fclose(file);
  return "";
}

TlsContext::TlsContext(TlsSettings settings, TlsSide side)
    : settings_(std::move(settings)),
      side_(side),
      context_(side == TlsSide::kClient ? ssl::context::tls_client : ssl::context::tls_server) {
  harden(context_.native_handle(), side_);
}

Result<std::shared_ptr<TlsContext>, TlsFileProblem> TlsContext::load(TlsSettings settings, TlsSide side) {
  ERR_clear_error();
  std::shared_ptr<TlsContext> context(new TlsContext(std::move(settings), side));
  for (auto step : {&TlsContext::load_certificate, &TlsContext::load_key, &TlsContext::load_ca}) {
    if (auto st = (context.get()->*step)(); !st) return fail_with(st.error());
  }
  context->check_key_mode();
  context->check_validity();
  return context;
}

TlsContext::FileStatus TlsContext::load_certificate() {
  const std::string& path = settings_.cert_file;
  if (auto why = why_unreadable(path); !why.empty()) return problem("cert_file", path, why);
  SSL_CTX* context = context_.native_handle();
  if (SSL_CTX_use_certificate_chain_file(context, path.c_str()) != 1) {
    return problem("cert_file", path, "not a PEM certificate (" + take_openssl_error() + ")");
  }
  certificate_ = describe_certificate(SSL_CTX_get0_certificate(context));
  return {};
}

TlsContext::FileStatus TlsContext::load_key() {
  const std::string& path = settings_.key_file;
  if (auto why = why_unreadable(path); !why.empty()) return problem("key_file", path, why);
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) return problem("key_file", path, std::string("cannot read: ") + std::strerror(errno));
  EVP_PKEY* key = PEM_read_PrivateKey(file, nullptr, &no_passphrase, nullptr);
  std::fclose(file);
  if (!key) {
    return problem("key_file", path,
                   "not an unencrypted PEM private key (" + take_openssl_error() +
                       "); ivyd cannot ask for a passphrase");
  }
  SSL_CTX* context = context_.native_handle();
  const bool matches = X509_check_private_key(SSL_CTX_get0_certificate(context), key) == 1;
  const bool used = matches && SSL_CTX_use_PrivateKey(context, key) == 1;
  EVP_PKEY_free(key);
  ERR_clear_error();
  if (!matches) return problem("key_file", path, "does not match the certificate in " + quoted(settings_.cert_file));
  if (!used) return problem("key_file", path, "cannot be used (" + take_openssl_error() + ")");
  return {};
}

TlsContext::FileStatus TlsContext::load_ca() {
  const std::string& path = settings_.ca_file;
  if (path.empty()) return {};
  if (auto why = why_unreadable(path); !why.empty()) return problem("ca_file", path, why);
  if (SSL_CTX_load_verify_file(context_.native_handle(), path.c_str()) != 1) {
    return problem("ca_file", path, "holds no PEM CA certificate (" + take_openssl_error() + ")");
  }
  return {};
}

void TlsContext::check_key_mode() {
  struct stat st {};
  if (::stat(settings_.key_file.c_str(), &st) != 0 || !(st.st_mode & S_IROTH)) return;
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  warnings_.push_back({"key_file", quoted(settings_.key_file) + " is readable by every user (mode " + mode +
                                       "): chmod o-rwx it (0640, owner root:ivyd)"});
}

void TlsContext::check_validity() {
  X509* certificate = SSL_CTX_get0_certificate(context_.native_handle());
  if (X509_cmp_current_time(X509_get0_notAfter(certificate)) < 0) {
    warnings_.push_back({"cert_file", quoted(settings_.cert_file) + ": the certificate expired on " +
                                          certificate_.not_after + "; the far side will refuse it"});
  } else if (X509_cmp_current_time(X509_get0_notBefore(certificate)) > 0) {
    warnings_.push_back({"cert_file", quoted(settings_.cert_file) + ": the certificate is not valid before " +
                                          certificate_.not_before + "; the far side will refuse it until then"});
  }
}

}  // namespace ivy::daemon
