// libFuzzer target: a UDP discovery datagram -> parse_datagram (§2.2, §2.5).
//
// Invariants checked (a failure aborts, and libFuzzer keeps the input):
//   - a parsed announcement has version 3 and a port in 1..65535; its app-id
//     holds no space, its name does not start with a space and holds no LF;
//   - a datagram gives at most one result per line, and a one-line datagram
//     gives what parse_announcement gives for that line;
//   - what format_announcement accepts has one LF, at the end, and parses
//     back to the same port, id and name.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/announcement.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using namespace ivy;

void check_announcement(const Announcement& a) {
  FUZZ_CHECK(a.version == kIvyProtocolVersion);
  FUZZ_CHECK(a.port >= 1);
  FUZZ_CHECK(a.app_id.find(' ') == std::string::npos);
  FUZZ_CHECK(a.app_id.find('\n') == std::string::npos);
  FUZZ_CHECK(a.app_name.find('\n') == std::string::npos);
  FUZZ_CHECK(a.app_name.empty() || a.app_name.front() != ' ');
  FUZZ_CHECK(!a.app_id.empty() || a.app_name.empty());  // legacy: neither

  const auto wire = format_announcement(a.port, a.app_id, a.app_name);
  if (!wire) return;  // legacy form, control bytes in the id, or over our send limits
  FUZZ_CHECK(!wire->empty() && wire->back() == '\n');
  FUZZ_CHECK(std::count(wire->begin(), wire->end(), '\n') == 1);
  const auto back = parse_datagram(*wire);
  FUZZ_CHECK(back.size() == 1 && back[0].ok());
  FUZZ_CHECK(back[0]->port == a.port);
  FUZZ_CHECK(back[0]->app_id == a.app_id);
  // A final CR is taken as the CR of a CRLF line on receive (§12 "accept").
  if (!a.app_name.empty() && a.app_name.back() == '\r') return;
  FUZZ_CHECK(back[0]->app_name == a.app_name);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view datagram(reinterpret_cast<const char*>(data), size);
  const auto results = parse_datagram(datagram);
  const auto lines =
      static_cast<std::size_t>(std::count(datagram.begin(), datagram.end(), '\n')) + 1;
  FUZZ_CHECK(results.size() <= lines);
  for (const auto& r : results) {
    if (r) {
      check_announcement(*r);
    } else {
      FUZZ_CHECK(!r.error().message.empty());
    }
  }
  if (datagram.find('\n') == std::string_view::npos && results.size() == 1) {
    const auto single = parse_announcement(datagram);
    FUZZ_CHECK(single.ok() == results[0].ok());
    if (single) {
      FUZZ_CHECK(single->port == results[0]->port && single->app_id == results[0]->app_id &&
                 single->app_name == results[0]->app_name);
    }
  }
  return 0;
}
