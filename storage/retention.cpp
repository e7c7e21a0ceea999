#include "storage/retention.hpp"

#include <filesystem>

namespace ivy::storage {
namespace {

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  return a == b || std::filesystem::equivalent(a, b, ec);
}

}  // namespace

std::vector<std::string> files_to_delete(const std::vector<SetFile>& files,
                                         const std::string& current,
                                         std::int64_t now_wall_ns,
                                         const RetentionPolicy& policy) {
  std::uint64_t total = 0;
  for (const SetFile& f : files) total += f.bytes;
  std::vector<std::string> doomed;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const SetFile& f = files[i];
    if (same_file(f.path, current)) continue;
    // Written until its successor started (see the header).
    const bool too_old = policy.max_age_ns > 0 && i + 1 < files.size() &&
                         files[i + 1].started_ns < now_wall_ns - policy.max_age_ns;
    const bool too_big = policy.max_bytes > 0 && total > policy.max_bytes;
    if (!too_old && !too_big) continue;
    doomed.push_back(f.path);
    total -= f.bytes;
  }
  return doomed;
}

}  // namespace ivy::storage
