#pragma once
// A one-line picture of counts over time, for `ivyctl info`:
//   "▁▁▂▃▃▃  ▃▂▂▁█▂▂▁" (Unicode blocks), or " ..::::  :::.#..." in ASCII.
// A bucket with nothing in it is a space, so a silence (or a gap in the
// recording) shows as a hole, and any traffic at all is at least the lowest
// mark. Pure.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ivy::ctl {

enum class Charset { kUtf8, kAscii };

std::string sparkline(const std::vector<std::int64_t>& counts, Charset charset);

// The shortest readable bucket width (1, 2, 5, 10 ... ms; 1, 2, 5, 10, 15,
// 30 s; 1, 2, 5, 10, 15, 30 min; 1, 2, 3, 6, 12 h; then whole days) with
// which `span_ns` fits in `max_buckets` buckets aligned on multiples of it,
// starting at `first_ns`'s bucket.
std::int64_t nice_bucket_ns(std::int64_t first_ns, std::int64_t span_ns, std::size_t max_buckets);

// kUtf8 when the locale's variables (LC_ALL, else LC_CTYPE, else LANG; the
// first one set) name UTF-8, kAscii otherwise.
Charset charset_from_locale(std::string_view lc_all, std::string_view lc_ctype,
                            std::string_view lang);

}  // namespace ivy::ctl
