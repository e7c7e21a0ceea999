#include "config/central_check.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <string>

namespace ivy::config {
namespace {

struct OptionsFree {
  void operator()(PQconninfoOption* options) const { PQconninfoFree(options); }
};
using Options = std::unique_ptr<PQconninfoOption, OptionsFree>;

bool has_uri_scheme(std::string_view url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

// libpq's parse of `url`, or its error message.
Result<Options> parse(std::string_view url) {
  char* error = nullptr;
  Options options(PQconninfoParse(std::string(url).c_str(), &error));
  if (!options) {
    std::string message = error ? error : "cannot be parsed (out of memory?)";
    PQfreemem(error);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    return fail(message);
  }
  return options;
}

// libpq takes any port text when parsing and refuses it only when
// connecting; the check says it now. Several hosts have a port list.
Status check_ports(const Options& options) {
  for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) != "port" || o->val == nullptr) continue;
    std::string_view ports(o->val);
    while (true) {
      const auto comma = ports.find(',');
      const std::string_view port = ports.substr(0, comma);
      const bool digits = !port.empty() && port.size() <= 5 &&
                          std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); });
      if (!port.empty() && (!digits || std::stoi(std::string(port)) < 1 || std::stoi(std::string(port)) > 65535)) {
        return fail("invalid integer value \"" + std::string(port) + "\" for connection option \"port\" (1-65535)");
      }
      if (comma == std::string_view::npos) break;
      ports.remove_prefix(comma + 1);
    }
  }
  return {};
}

}  // namespace

Status check_central_url(std::string_view url) {
  const std::string quoted = "\"" + std::string(url) + "\"";
  if (!has_uri_scheme(url)) {
    return fail(quoted + ": expected a PostgreSQL connection URI, "
                "postgresql://[user@]host[:port]/dbname[?param=value&...]");
  }
  auto options = parse(url);
  if (!options) return fail(quoted + ": " + options.error().message);
  if (auto ports = check_ports(*options); !ports) return fail(quoted + ": " + ports.error().message);
  return {};
}

bool url_has_password(std::string_view url) {
  auto options = parse(url);
  if (!options) return false;
  for (const PQconninfoOption* o = options->get(); o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) == "password" && o->val != nullptr && *o->val != '\0') return true;
  }
  return false;
}

Status check_site_name(std::string_view site) {
  const bool ok = !site.empty() && site.size() <= kMaxSiteLength &&
                  std::all_of(site.begin(), site.end(), [](unsigned char c) {
                    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
                  });
  if (ok) return {};
  return fail("\"" + std::string(site) + "\": a site name is 1 to " + std::to_string(kMaxSiteLength) +
              " letters, digits, '-', '_' or '.'");
}

}  // namespace ivy::config
