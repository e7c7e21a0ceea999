#pragma once
// check_tls_files: what `ivyd --check-config` checks, beyond the config's
// own text, for every enabled link bridge with `tls`: the files it names are
// loaded exactly as the bridge will load them (TlsContext::load) - each
// exists and is readable, the certificate and CA file hold PEM
// certificates, the key is an unencrypted PEM key that matches the
// certificate. Warnings: a key readable by every user, our certificate
// expired or not yet valid.
//
// A disabled bridge's files are not opened: it is checked when enabled (so
// an example config can carry a disabled TLS link naming files that are not
// there yet).
//
// Each finding carries the JSON path of the key it is about
// ("bridges[2].link.tls.key_file") and no position: the caller locates it
// in the text. Thread: any; reads files only.

#include "config/config.hpp"
#include "config/config_problem.hpp"

namespace ivy::daemon {

struct TlsFileReport {
  config::ConfigProblems errors;
  config::ConfigProblems warnings;
};

TlsFileReport check_tls_files(const config::Config& config);

}  // namespace ivy::daemon
