#pragma once
// Checks of the `central` section's values that need more than a type check.
//
// check_central_url: is the text a libpq connection URI? It is parsed by
// libpq's own PQconninfoParse (no connection, no DNS), so what passes here is
// exactly what ivyd will hand to libpq; only the URI form
// ("postgresql://..." or "postgres://...") is accepted, since that is what
// tells `ivyctl --db` a central store from a file name. The error says what
// libpq said: "\"postgresql://h:99x/db\": invalid integer value \"99x\" for
// connection option \"port\"".
//
// check_site_name: 1-64 letters, digits, '-', '_' or '.' (a host name fits),
// so a site can be named on ivyctl's command line as it is.
//
// url_has_password: the URI carries a password (user:secret@host).

#include <string_view>

#include "core/result.hpp"

namespace ivy::config {

inline constexpr std::size_t kMaxSiteLength = 64;

Status check_central_url(std::string_view url);
Status check_site_name(std::string_view site);
bool url_has_password(std::string_view url);

}  // namespace ivy::config
