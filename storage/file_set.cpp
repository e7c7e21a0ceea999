#include "storage/file_set.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <filesystem>

namespace ivy::storage {
namespace fs = std::filesystem;

std::string compact_utc(std::int64_t wall_ns) {
  const std::time_t seconds = static_cast<std::time_t>(wall_ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  return buf;
}

std::optional<std::int64_t> parse_compact_utc(const std::string& text) {
  if (text.size() != 15 || text[8] != '-') return std::nullopt;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i != 8 && !std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
  }
  const auto field = [&](std::size_t at, std::size_t len) { return std::stoi(text.substr(at, len)); };
  std::tm tm{};
  tm.tm_year = field(0, 4) - 1900;
  tm.tm_mon = field(4, 2) - 1;
  tm.tm_mday = field(6, 2);
  tm.tm_hour = field(9, 2);
  tm.tm_min = field(11, 2);
  tm.tm_sec = field(13, 2);
  return static_cast<std::int64_t>(timegm(&tm)) * 1'000'000'000;
}

namespace {

// Sort key: the timestamp text, then the collision number (none = 1).
std::pair<std::string, int> order_key(const std::string& middle) {
  if (middle.size() <= 15) return {middle, 1};
  return {middle.substr(0, 15), std::atoi(middle.c_str() + 16)};
}

}  // namespace

FileSet::FileSet(std::string configured_path) : configured_(std::move(configured_path)) {
  const fs::path p(configured_);
  dir_ = p.parent_path().empty() ? "." : p.parent_path().string();
  stem_ = p.stem().string();
  ext_ = p.has_extension() ? p.extension().string() : ".db";
}

std::string FileSet::new_file_path(std::int64_t wall_ns) const {
  const std::string base = dir_ + "/" + stem_ + "-" + compact_utc(wall_ns);
  std::string candidate = base + ext_;
  for (int n = 2; fs::exists(candidate) || fs::exists(candidate + "-wal"); ++n) {
    candidate = base + "-" + std::to_string(n) + ext_;
  }
  return candidate;
}

bool FileSet::is_member(const std::string& name) const {
  const std::string prefix = stem_ + "-";
  if (name.size() < prefix.size() + 15 + ext_.size()) return false;
  if (name.compare(0, prefix.size(), prefix) != 0) return false;
  if (name.compare(name.size() - ext_.size(), ext_.size(), ext_) != 0) return false;
  const std::string middle =
      name.substr(prefix.size(), name.size() - prefix.size() - ext_.size());
  for (std::size_t i = 0; i < middle.size(); ++i) {
    const bool dash = i == 8 || i == 15;
    if (dash ? middle[i] != '-' : !std::isdigit(static_cast<unsigned char>(middle[i]))) {
      return false;
    }
  }
  return middle.size() == 15 || middle.size() > 16;
}

std::vector<SetFile> FileSet::files() const {
  std::vector<std::pair<std::pair<std::string, int>, SetFile>> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file(ec) || !is_member(name)) continue;
    const std::size_t skip = stem_.size() + 1;
    const auto key = order_key(name.substr(skip, name.size() - skip - ext_.size()));
    SetFile file{entry.path().string(), 0, parse_compact_utc(key.first).value_or(0)};
    file.bytes = entry.file_size(ec);
    const auto wal = fs::file_size(file.path + "-wal", ec);
    if (!ec) file.bytes += wal;
    found.push_back({key, file});
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<SetFile> out;
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

std::optional<std::string> FileSet::newest() const {
  auto all = files();
  if (all.empty()) return std::nullopt;
  return all.back().path;
}

Status FileSet::link_current(const std::string& file) const {
  std::error_code ec;
  const auto status = fs::symlink_status(configured_, ec);
  if (fs::exists(status) && !fs::is_symlink(status)) {
    return fail(configured_ + " is not a symlink; not pointing it at " + file);
  }
  const std::string temp = configured_ + ".link-tmp";
  fs::remove(temp, ec);
  fs::create_symlink(fs::path(file).filename(), temp, ec);
  if (!ec) fs::rename(temp, configured_, ec);
  if (ec) return fail("cannot link " + configured_ + ": " + ec.message());
  return {};
}

Result<std::string> FileSet::move_aside(const std::string& file, std::int64_t wall_ns) const {
  const std::string target = file + ".corrupt-" + compact_utc(wall_ns);
  std::error_code ec;
  fs::rename(file, target, ec);
  if (ec) return fail("cannot move " + file + " aside: " + ec.message());
  for (const char* suffix : {"-wal", "-shm"}) {
    fs::rename(file + suffix, target + suffix, ec);  // may not exist
  }
  return target;
}

Status FileSet::remove(const std::string& file) const {
  std::error_code ec;
  if (!fs::remove(file, ec) && ec) return fail("cannot delete " + file + ": " + ec.message());
  for (const char* suffix : {"-wal", "-shm"}) fs::remove(file + suffix, ec);
  return {};
}

}  // namespace ivy::storage
