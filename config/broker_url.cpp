#include "config/broker_url.hpp"

#include <algorithm>
#include <cctype>

#include "config/address_check.hpp"

namespace ivy::config {
namespace {

Unexpected<Error> fail_url(std::string_view url, const std::string& why) {
  return fail("\"" + std::string(url) + "\": " + why);
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Splits "host", "host:port", "[v6]", "[v6]:port"; the port is "" if absent.
bool split_authority(std::string_view authority, std::string_view& host, std::string_view& port) {
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return false;
    host = authority.substr(0, close + 1);
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return false;
    port = rest.empty() ? rest : rest.substr(1);
    return true;
  }
  const auto colon = authority.rfind(':');
  host = authority.substr(0, colon);
  port = colon == std::string_view::npos ? std::string_view() : authority.substr(colon + 1);
  return true;
}

}  // namespace

std::string BrokerUrl::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return std::string(tls ? "mqtts://" : "mqtt://") + (v6 ? "[" + host + "]" : host) + ":" +
         std::to_string(port);
}

Result<BrokerUrl> parse_broker_url(std::string_view url) {
  const auto sep = url.find("://");
  if (url.empty()) return fail_url(url, "empty broker URL (write e.g. \"mqtt://127.0.0.1:1883\")");
  if (sep == std::string_view::npos)
    return fail_url(url, "expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT]");
  const std::string scheme = lower(url.substr(0, sep));
  if (scheme != "mqtt" && scheme != "mqtts") {
    return fail_url(
        url, "unsupported scheme \"" + std::string(url.substr(0, sep)) + "\" (mqtt or mqtts)");
  }
  std::string_view authority = url.substr(sep + 3);
  if (!authority.empty() && authority.back() == '/') authority.remove_suffix(1);
  if (authority.find('@') != std::string_view::npos) {
    return fail_url(url, "no user or password in the URL: use \"username\" and \"password_file\"");
  }
  if (authority.find_first_of("/?#") != std::string_view::npos)
    return fail_url(url, "a broker URL has no path");
  std::string_view host, port;
  if (!split_authority(authority, host, port) || host.empty())
    return fail_url(url, "expected a host");
  BrokerUrl out;
  out.tls = scheme == "mqtts";
  const std::string host_port =
      std::string(host) + ":" + (port.empty() ? (out.tls ? "8883" : "1883") : std::string(port));
  if (auto st = check_host_port(host_port); !st) {
    // check_host_port quotes its input; quote the URL instead.
    const std::string& why = st.error().message;
    return fail_url(url, why.substr(std::min(why.size(), host_port.size() + 4)));
  }
  out.host = host.front() == '[' ? std::string(host.substr(1, host.size() - 2)) : std::string(host);
  out.port = static_cast<std::uint16_t>(std::stoul(host_port.substr(host_port.rfind(':') + 1)));
  return out;
}

}  // namespace ivy::config
