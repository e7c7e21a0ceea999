#include "storage/file_database_cache.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace ivy::storage {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMagic = "ivyd-cache 1\n";
constexpr std::string_view kSuffix = ".hsdb";
constexpr std::string_view kTemporarySuffix = ".tmp";
constexpr std::size_t kDigestBytes = 32;
constexpr std::size_t kHeaderBytes = kMagic.size() + kDigestBytes + 8 + kDigestBytes;

using Digest = std::array<unsigned char, kDigestBytes>;

Digest sha256(std::string_view bytes) {
  Digest digest{};
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr);
  // The cache is used from the matcher's compile thread, which may still be
  // compiling when the process exits: it keeps no OpenSSL state (error queue)
  // between two uses, so none is left behind.
  OPENSSL_thread_stop();
  return digest;
}

std::string hex(const Digest& digest) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : digest) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string_view as_view(const Digest& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

std::string length_bytes(std::uint64_t n) {
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  return out;
}

std::uint64_t length_of(std::string_view bytes) {
  std::uint64_t n = 0;
  for (std::size_t i = 8; i-- > 0;) n = (n << 8) | static_cast<unsigned char>(bytes[i]);
  return n;
}

std::string errno_text() { return std::strerror(errno); }

// Reads the whole file, at most `limit` bytes (a larger one cannot be ours).
// Only a regular file: not a symlink planted to point elsewhere, nor a FIFO
// that would block the compile worker.
std::optional<std::string> read_file(const std::string& path, std::uint64_t limit, bool& absent) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  absent = fd < 0 && errno == ENOENT;
  if (fd < 0) return std::nullopt;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return std::nullopt;
  }
  std::string out;
  char buffer[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || out.size() + static_cast<std::size_t>(n) > limit) {
      ::close(fd);
      if (n == 0) return out;
      return std::nullopt;
    }
    out.append(buffer, static_cast<std::size_t>(n));
  }
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Writes `parts` to `temporary`, then renames it to `path`: readers see the
// old file, the new one, or none, never a part. No fsync: a file cut by a
// crash fails verification on load and is removed.
bool write_atomically(const std::string& temporary, const std::string& path,
                      std::initializer_list<std::string_view> parts) {
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  bool ok = true;
  for (std::string_view part : parts) ok = ok && write_all(fd, part);
  ok = ::close(fd) == 0 && ok;
  if (ok && ::rename(temporary.c_str(), path.c_str()) == 0) return true;
  ::unlink(temporary.c_str());
  return false;
}

// ".<name>.<pid>.<n>.tmp" -> pid, or 0.
pid_t writer_of(const std::string& name) {
  if (name.size() < kTemporarySuffix.size() || name.front() != '.' ||
      !name.ends_with(kTemporarySuffix))
    return 0;
  const std::string body = name.substr(0, name.size() - kTemporarySuffix.size());
  const auto last = body.rfind('.');
  const auto pid_dot =
      last == std::string::npos || last == 0 ? std::string::npos : body.rfind('.', last - 1);
  if (pid_dot == std::string::npos) return 0;
  try {
    return static_cast<pid_t>(std::stol(body.substr(pid_dot + 1, last - pid_dot - 1)));
  } catch (...) {
    return 0;
  }
}

}  // namespace

Result<std::shared_ptr<FileDatabaseCache>> FileDatabaseCache::open(const std::string& dir,
                                                                   std::uint64_t max_bytes) {
  std::error_code ec;
  const bool existed = fs::exists(dir, ec);
  fs::create_directories(dir, ec);
  if (ec) return fail("cannot create the Hyperscan cache directory " + dir + ": " + ec.message());
  if (!fs::is_directory(dir, ec))
    return fail("the Hyperscan cache path " + dir + " is not a directory");
  // Ours alone when we made it (what it holds is run by Hyperscan); an
  // existing directory keeps the mode its owner gave it, but must be ours and
  // writable by nobody else: whoever can plant a file there chooses the
  // bytecode Hyperscan runs.
  if (!existed) fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0)
    return fail("cannot use the Hyperscan cache directory " + dir + ": " + errno_text());
  if (st.st_uid != ::geteuid())
    return fail("the Hyperscan cache directory " + dir + " belongs to another user (uid " +
                std::to_string(st.st_uid) + "); it must be this process's own");
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    return fail("the Hyperscan cache directory " + dir +
                " is writable by other users; make it writable by its owner only (chmod go-w)");
  const std::string probe =
      dir + "/.write-test." + std::to_string(::getpid()) + kTemporarySuffix.data();
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || ::close(fd) != 0 || ::unlink(probe.c_str()) != 0) {
    const std::string reason = errno_text();
    if (fd >= 0) ::unlink(probe.c_str());
    return fail("cannot write in the Hyperscan cache directory " + dir + ": " + reason);
  }
  auto cache = std::shared_ptr<FileDatabaseCache>(new FileDatabaseCache(dir, max_bytes));
  std::lock_guard lock(cache->mutex_);
  cache->remove_stale_temporaries();
  cache->rescan_and_evict("");
  return cache;
}

std::string FileDatabaseCache::path_of(std::string_view key) const {
  return dir_ + "/" + hex(sha256(key)) + std::string(kSuffix);
}

std::optional<std::string> FileDatabaseCache::load(std::string_view key) {
  const Digest key_digest = sha256(key);
  const std::string name = hex(key_digest) + std::string(kSuffix);
  const std::string path = dir_ + "/" + name;
  bool absent = false;
  std::optional<std::string> file = read_file(path, max_bytes_ + kHeaderBytes, absent);
  std::lock_guard lock(mutex_);
  if (!file) {
    if (absent) {
      ++stats_.misses;
    } else {
      reject(path);  // unreadable or larger than any entry we write
    }
    return std::nullopt;
  }
  const std::string_view bytes = *file;
  const bool valid =
      bytes.size() >= kHeaderBytes && bytes.substr(0, kMagic.size()) == kMagic &&
      bytes.substr(kMagic.size(), kDigestBytes) == as_view(key_digest) &&
      length_of(bytes.substr(kMagic.size() + kDigestBytes, 8)) == bytes.size() - kHeaderBytes &&
      bytes.substr(kMagic.size() + kDigestBytes + 8, kDigestBytes) ==
          as_view(sha256(bytes.substr(kHeaderBytes)));
  if (!valid) {
    reject(path);
    return std::nullopt;
  }
  ++stats_.hits;
  last_use_[name] = ++uses_;
  ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0);  // now: most recently used
  return file->substr(kHeaderBytes);
}

void FileDatabaseCache::store(std::string_view key, std::string_view bytes) {
  if (bytes.size() + kHeaderBytes > max_bytes_) return;  // would evict everything, itself too
  const Digest key_digest = sha256(key);
  const std::string name = hex(key_digest) + std::string(kSuffix);
  const Digest payload_digest = sha256(bytes);
  const std::string length = length_bytes(bytes.size());
  std::lock_guard lock(mutex_);
  const std::string temporary = dir_ + "/." + name + "." + std::to_string(::getpid()) + "." +
                                std::to_string(++temporaries_) + std::string(kTemporarySuffix);
  if (!write_atomically(temporary, dir_ + "/" + name,
                        {kMagic, as_view(key_digest), length, as_view(payload_digest), bytes})) {
    ++stats_.store_failures;
    return;
  }
  ++stats_.stores;
  last_use_[name] = ++uses_;
  rescan_and_evict(name);
}

void FileDatabaseCache::remove(std::string_view key) {
  const std::string path = path_of(key);
  std::lock_guard lock(mutex_);
  reject(path);
}

void FileDatabaseCache::reject(const std::string& path) {
  if (::unlink(path.c_str()) == 0) ++stats_.rejected;
  last_use_.erase(fs::path(path).filename().string());
}

FileDatabaseCacheStats FileDatabaseCache::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

// A temporary file whose writer died (a crash mid-store) would stay forever.
void FileDatabaseCache::remove_stale_temporaries() {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    const pid_t writer = writer_of(name);
    if (writer > 0 && writer != ::getpid() && ::kill(writer, 0) != 0 && errno == ESRCH) {
      fs::remove(entry.path(), ec);
    }
  }
}

// Counts the entries and, past max_bytes, removes the least recently used
// (oldest mtime; this process's use counter breaks ties), never `keep`.
void FileDatabaseCache::rescan_and_evict(const std::string& keep) {
  struct File {
    std::string name;
    std::uint64_t size;
    fs::file_time_type used;
    std::uint64_t use;
  };
  std::vector<File> files;
  std::uint64_t total = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.ends_with(kSuffix) || name.front() == '.') continue;
    std::error_code size_ec, time_ec;
    const auto size = entry.file_size(size_ec);
    const auto used = entry.last_write_time(time_ec);
    if (size_ec || time_ec) continue;  // gone meanwhile (another process)
    auto use = last_use_.find(name);
    files.push_back({name, size, used, use == last_use_.end() ? 0 : use->second});
    total += size;
  }
  std::sort(files.begin(), files.end(), [](const File& a, const File& b) {
    return std::tie(a.used, a.use) < std::tie(b.used, b.use);
  });
  std::size_t count = files.size();
  for (const File& file : files) {
    if (total <= max_bytes_) break;
    if (file.name == keep) continue;
    if (::unlink((dir_ + "/" + file.name).c_str()) != 0) continue;
    total -= file.size;
    --count;
    ++stats_.evictions;
    last_use_.erase(file.name);
  }
  stats_.files = count;
  stats_.bytes = total;
}

}  // namespace ivy::storage
