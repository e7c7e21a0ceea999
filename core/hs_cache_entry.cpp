#include "core/hs_cache_entry.hpp"

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <unordered_map>

#include <hs/hs.h>

namespace ivy {
namespace {

// Bump when the layout or the meaning of a class changes (e.g. new flags in
// hs_database.cpp): old entries then simply miss.
constexpr std::string_view kFormat = "ivyd-hs-cache 1\n";
constexpr std::size_t kChecksumBytes = 8;

// Hyperscan does not notice damage inside a serialized database's bytecode
// (only in its header), and a damaged database could misbehave in a scan:
// the entry carries its own checksum. The standard library's hash (64 bits,
// the same in every run of a build) is enough to catch damage; an entry from
// a build whose hash differs only misses and is removed.
std::uint64_t checksum(std::string_view body) { return std::hash<std::string_view>{}(body); }

enum class PatternClass : std::uint8_t { kExact = 0, kPrefilter = 1, kFallback = 2 };

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void put_bytes(std::string& out, std::string_view bytes) {
  put_u32(out, static_cast<std::uint32_t>(bytes.size()));
  out.append(bytes);
}

// Reads what put_* wrote; any short read or oversized length makes ok false.
struct Reader {
  std::string_view rest;
  bool ok = true;

  std::string_view take(std::uint64_t n) {
    if (!ok || n > rest.size()) {
      ok = false;
      return {};
    }
    const std::string_view head = rest.substr(0, static_cast<std::size_t>(n));
    rest.remove_prefix(static_cast<std::size_t>(n));
    return head;
  }
  std::uint64_t number(std::size_t bytes) {
    const std::string_view raw = take(static_cast<std::uint64_t>(bytes));
    std::uint64_t v = 0;
    for (std::size_t i = raw.size(); i-- > 0;) v = (v << 8) | static_cast<unsigned char>(raw[i]);
    return v;
  }
  std::string_view bytes() { return take(number(4)); }
};

// Format, Hyperscan version, platform, number of texts.
std::string header(std::size_t patterns) {
  std::string out(kFormat);
  put_bytes(out, hs_version());
  hs_platform_info_t platform{};
  hs_populate_platform(&platform);
  put_u32(out, platform.tune);
  put_u64(out, platform.cpu_features);
  put_u64(out, patterns);
  return out;
}

std::unordered_map<PatternId, PatternClass> classes_of(const HsBuildResult& result) {
  std::unordered_map<PatternId, PatternClass> classes;
  for (PatternId id : result.fallback) classes[id] = PatternClass::kFallback;
  if (result.database) {
    for (const HsPatternInfo& info : result.database->patterns()) {
      classes[info.id] = info.prefilter ? PatternClass::kPrefilter : PatternClass::kExact;
    }
  }
  return classes;
}

std::string serialized(const HsDatabase* database) {
  if (!database) return {};
  char* bytes = nullptr;
  std::size_t length = 0;
  if (hs_serialize_database(database->raw(), &bytes, &length) != HS_SUCCESS) return {};
  std::string out(bytes, length);
  std::free(bytes);  // allocated with the default (malloc) allocator
  return out;
}

// The matcher scans in block mode; a database of another mode would fail
// every scan.
bool block_mode(std::string_view database) {
  char* info = nullptr;
  if (hs_serialized_database_info(database.data(), database.size(), &info) != HS_SUCCESS)
    return false;
  const bool block = std::string_view(info).find("Mode: BLOCK") != std::string_view::npos;
  std::free(info);
  return block;
}

}  // namespace

std::string hs_cache_key(const std::vector<HsPatternSpec>& sorted_specs) {
  std::string key = header(sorted_specs.size());
  for (const HsPatternSpec& spec : sorted_specs) put_bytes(key, spec.text);
  return key;
}

std::string encode_hs_cache_entry(const HsBuildResult& result,
                                  const std::vector<HsPatternSpec>& sorted_specs) {
  const auto classes = classes_of(result);
  std::string out = header(sorted_specs.size());
  for (const HsPatternSpec& spec : sorted_specs) {
    put_bytes(out, spec.text);
    auto it = classes.find(spec.id);
    out.push_back(static_cast<char>(it == classes.end() ? PatternClass::kFallback : it->second));
  }
  const std::string database = serialized(result.database.get());
  put_u64(out, database.size());
  out += database;
  put_u64(out, checksum(out));
  return out;
}

std::optional<HsBuildResult> decode_hs_cache_entry(std::string_view bytes,
                                                   const std::vector<HsPatternSpec>& sorted_specs,
                                                   JitMode hit_jit) {
  if (bytes.size() < kChecksumBytes) return std::nullopt;
  const std::string_view body = bytes.substr(0, bytes.size() - kChecksumBytes);
  if (Reader{bytes.substr(body.size())}.number(kChecksumBytes) != checksum(body))
    return std::nullopt;
  const std::string expected_header = header(sorted_specs.size());
  Reader in{body};
  if (in.take(expected_header.size()) != expected_header) return std::nullopt;
  HsBuildResult result;
  std::vector<std::pair<const HsPatternSpec*, bool>> in_database;  // spec, prefilter
  for (const HsPatternSpec& spec : sorted_specs) {
    const std::string_view text = in.bytes();
    const auto cls = static_cast<PatternClass>(in.number(1));
    if (!in.ok || text != spec.text || cls > PatternClass::kFallback) return std::nullopt;
    if (cls == PatternClass::kFallback) {
      result.fallback.push_back(spec.id);
    } else {
      in_database.emplace_back(&spec, cls == PatternClass::kPrefilter);
    }
  }
  const std::string_view database = in.take(in.number(8));
  if (!in.ok || !in.rest.empty() || database.empty() != in_database.empty()) return std::nullopt;
  if (in_database.empty()) return result;
  if (!block_mode(database)) return std::nullopt;
  hs_database_t* db = nullptr;
  if (hs_deserialize_database(database.data(), database.size(), &db) != HS_SUCCESS)
    return std::nullopt;
  std::vector<HsPatternInfo> infos;
  infos.reserve(in_database.size());
  for (const auto& [spec, prefilter] : in_database)
    infos.push_back(hs_pattern_info(*spec, prefilter, hit_jit));
  result.database = std::make_shared<const HsDatabase>(db, std::move(infos));
  return result;
}

}  // namespace ivy
