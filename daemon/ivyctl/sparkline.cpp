#include "daemon/ivyctl/sparkline.hpp"

#include <algorithm>
#include <cctype>

namespace ivy::ctl {
namespace {

constexpr const char* kBlocks[] = {"\u2581", "\u2582", "\u2583", "\u2584",
                                   "\u2585", "\u2586", "\u2587", "\u2588"};
constexpr const char* kAscii[] = {"_", ".", "-", ":", "=", "+", "*", "#"};

bool names_utf8(std::string_view value) {
  std::string lower;
  for (char c : value)
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return lower.find("utf-8") != std::string::npos || lower.find("utf8") != std::string::npos;
}

}  // namespace

std::string sparkline(const std::vector<std::int64_t>& counts, Charset charset) {
  const auto& marks = charset == Charset::kUtf8 ? kBlocks : kAscii;
  const std::int64_t most = counts.empty() ? 0 : *std::max_element(counts.begin(), counts.end());
  std::string out;
  for (const std::int64_t n : counts) {
    if (n <= 0) {
      out += ' ';
      continue;
    }
    // 1..8 eighths of the busiest bucket, rounded up: any traffic shows.
    const std::int64_t level = (n * 8 + most - 1) / most;
    out += marks[std::clamp<std::int64_t>(level, 1, 8) - 1];
  }
  return out;
}

std::int64_t nice_bucket_ns(std::int64_t first_ns, std::int64_t span_ns, std::size_t max_buckets) {
  constexpr std::int64_t kMs = 1'000'000;
  constexpr std::int64_t kS = 1000 * kMs;
  constexpr std::int64_t kNice[] = {
      1 * kMs,   2 * kMs,   5 * kMs,    10 * kMs,   20 * kMs,   50 * kMs,  100 * kMs,
      200 * kMs, 500 * kMs, kS,         2 * kS,     5 * kS,     10 * kS,   15 * kS,
      30 * kS,   60 * kS,   120 * kS,   300 * kS,   600 * kS,   900 * kS,  1800 * kS,
      3600 * kS, 7200 * kS, 10800 * kS, 21600 * kS, 43200 * kS, 86400 * kS};
  const auto fits = [&](std::int64_t bucket) {
    const std::int64_t start = first_ns - ((first_ns % bucket) + bucket) % bucket;
    return static_cast<std::size_t>((first_ns + span_ns - start + bucket - 1) / bucket) <=
           std::max<std::size_t>(max_buckets, 1);
  };
  for (const std::int64_t bucket : kNice) {
    if (fits(bucket)) return bucket;
  }
  std::int64_t days = 2;
  while (!fits(days * 86400 * kS)) ++days;
  return days * 86400 * kS;
}

Charset charset_from_locale(std::string_view lc_all, std::string_view lc_ctype,
                            std::string_view lang) {
  for (const std::string_view v : {lc_all, lc_ctype, lang}) {
    if (!v.empty()) return names_utf8(v) ? Charset::kUtf8 : Charset::kAscii;
  }
  return Charset::kAscii;
}

}  // namespace ivy::ctl
