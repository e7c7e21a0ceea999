#include "daemon/bridges/link/tls_file_check.hpp"

#include "config/json_positions.hpp"
#include "daemon/bridges/link/tls_context.hpp"

namespace ivy::daemon {
namespace {

// Pins do not matter here: loading needs the files only.
TlsSettings files_of(const config::LinkTlsConfig& tls) {
  return TlsSettings{tls.cert_file, tls.key_file, tls.ca_file, {}, tls.server_name};
}

}  // namespace

TlsFileReport check_tls_files(const config::Config& config) {
  TlsFileReport report;
  for (std::size_t i = 0; i < config.bridges.size(); ++i) {
    const config::BridgeConfig& bridge = config.bridges[i];
    if (!bridge.enabled || bridge.type != config::BridgeType::kLink || !bridge.link.tls) continue;
    const std::string path = config::child_path(config::child_path(config::index_path("bridges", i), "link"), "tls");
    // Every file that cannot be opened is reported, not only the first.
    bool readable = true;
    for (const auto& [key, file] : {std::pair{"cert_file", bridge.link.tls->cert_file},
                                    std::pair{"key_file", bridge.link.tls->key_file},
                                    std::pair{"ca_file", bridge.link.tls->ca_file}}) {
      const std::string why = file.empty() ? "" : why_unreadable(file);
      if (why.empty()) continue;
      readable = false;
      report.errors.push_back({"", config::child_path(path, key), 0, 0, "\"" + file + "\": " + why});
    }
    if (!readable) continue;
    const auto side = bridge.link.role == config::LinkRole::kDial ? TlsSide::kClient : TlsSide::kServer;
    auto loaded = TlsContext::load(files_of(*bridge.link.tls), side);
    if (!loaded) {
      report.errors.push_back({"", config::child_path(path, loaded.error().key), 0, 0, loaded.error().message});
      continue;
    }
    for (const auto& w : (*loaded)->warnings()) {
      report.warnings.push_back({"", config::child_path(path, w.key), 0, 0, "warning: " + w.message});
    }
  }
  return report;
}

}  // namespace ivy::daemon
