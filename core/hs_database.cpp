#include "core/hs_database.hpp"

#include <cstdlib>
#include <optional>
#include <utility>

#include <hs/hs.h>

namespace ivy {
namespace {

constexpr unsigned kExactFlags = HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY;
constexpr unsigned kPrefilterFlags = kExactFlags | HS_FLAG_PREFILTER;

bool accepted(const std::string& text, unsigned flags) {
  hs_expr_info_t* info = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_expression_info(text.c_str(), flags, &info, &error) != HS_SUCCESS) {
    hs_free_compile_error(error);
    return false;
  }
  std::free(info);  // allocated with the default (malloc) allocator
  return true;
}

struct Candidate {
  const HsPatternSpec* spec;
  unsigned flags;
};

// exact, else prefilter, else nothing (fallback).
std::optional<unsigned> classify(const HsPatternSpec& spec) {
  switch (classify_hs_pattern(spec.text)) {
    case HsPatternClass::kExact: return kExactFlags;
    case HsPatternClass::kPrefilter: return kPrefilterFlags;
    case HsPatternClass::kFallback: return std::nullopt;
  }
  return std::nullopt;
}

hs_database_t* compile(const std::vector<Candidate>& candidates, int& failed_index) {
  std::vector<const char*> expressions;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    expressions.push_back(candidates[i].spec->text.c_str());
    flags.push_back(candidates[i].flags);
    ids.push_back(static_cast<unsigned>(i));
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(expressions.data(), flags.data(), ids.data(),
                       static_cast<unsigned>(candidates.size()), HS_MODE_BLOCK, nullptr, &db,
                       &error) != HS_SUCCESS) {
    failed_index = error != nullptr ? error->expression : -1;
    hs_free_compile_error(error);
    return nullptr;
  }
  return db;
}

}  // namespace

HsPatternClass classify_hs_pattern(const std::string& pattern) {
  // Hyperscan takes NUL-terminated expressions: a NUL byte would cut the pattern.
  if (pattern.find('\0') != std::string::npos) return HsPatternClass::kFallback;
  if (accepted(pattern, kExactFlags)) return HsPatternClass::kExact;
  if (accepted(pattern, kPrefilterFlags)) return HsPatternClass::kPrefilter;
  return HsPatternClass::kFallback;
}

HsDatabase::HsDatabase(hs_database* db, std::vector<HsPatternInfo> patterns)
    : db_(db, [](hs_database* d) { hs_free_database(d); }), patterns_(std::move(patterns)) {}

HsDatabase::HsDatabase(std::shared_ptr<hs_database> db, std::vector<HsPatternInfo> patterns)
    : db_(std::move(db)), patterns_(std::move(patterns)) {}

std::shared_ptr<const HsDatabase> HsDatabase::with_patterns(
    std::vector<HsPatternInfo> patterns) const {
  return std::shared_ptr<const HsDatabase>(new HsDatabase(db_, std::move(patterns)));
}

std::size_t HsDatabase::size_bytes() const {
  std::size_t size = 0;
  hs_database_size(db_.get(), &size);
  return size;
}

namespace {

std::shared_ptr<const Regex> hit_regex(const std::string& text, bool prefilter, JitMode jit) {
  if (jit != JitMode::kJit) return nullptr;
  auto regex = Regex::compile(text, JitMode::kJit);
  if (!regex || !regex->jit() || (regex->capture_count() == 0 && !prefilter)) return nullptr;
  return std::make_shared<const Regex>(std::move(*regex));
}

}  // namespace

HsPatternInfo hs_pattern_info(const HsPatternSpec& spec, bool prefilter, JitMode hit_jit) {
  return {spec.id, prefilter, hit_regex(spec.text, prefilter, hit_jit)};
}

HsBuildResult build_hs_database(const std::vector<HsPatternSpec>& specs, JitMode hit_jit) {
  HsBuildResult result;
  std::vector<Candidate> candidates;
  for (const HsPatternSpec& spec : specs) {
    if (auto flags = classify(spec)) {
      candidates.push_back({&spec, *flags});
    } else {
      result.fallback.push_back(spec.id);
    }
  }
  // hs_expression_info does not catch every compile-time rejection (resource
  // limits): demote the culprit one step (exact -> prefilter -> fallback), retry.
  while (!candidates.empty()) {
    int failed = -1;
    hs_database_t* db = compile(candidates, failed);
    if (db != nullptr) {
      std::vector<HsPatternInfo> infos;
      for (const Candidate& c : candidates) {
        infos.push_back(hs_pattern_info(*c.spec, (c.flags & HS_FLAG_PREFILTER) != 0, hit_jit));
      }
      result.database = std::make_shared<const HsDatabase>(db, std::move(infos));
      break;
    }
    if (failed < 0) {  // the set as a whole failed: PCRE2 takes all of it
      for (const Candidate& c : candidates) result.fallback.push_back(c.spec->id);
      break;
    }
    Candidate& culprit = candidates[static_cast<std::size_t>(failed)];
    if (culprit.flags == kExactFlags) {
      culprit.flags = kPrefilterFlags;
    } else {
      result.fallback.push_back(culprit.spec->id);
      candidates.erase(candidates.begin() + failed);
    }
  }
  return result;
}

}  // namespace ivy
