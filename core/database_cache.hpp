#pragma once
// DatabaseCache: where compiled Hyperscan databases are kept between runs, so
// that a returning pattern set (a restarted daemon, an agent that comes back)
// is loaded in milliseconds instead of compiled for seconds to a minute.
//
// core/ decides what an entry means (core/hs_cache_entry.hpp: the key names
// the pattern set, the Hyperscan version and the platform; the bytes carry
// the serialized database and are checked again when loaded). An
// implementation only stores bytes under keys: storage/file_database_cache
// keeps them in a directory; tests use an in-memory fake.
//
// Keys are byte strings of any length (a pattern set: up to megabytes); an
// implementation may digest them, it must not confuse two of them.
//
// Failures are not errors for the caller: a cache that cannot read or write
// behaves as a cache that misses. Thread: called from any thread (each
// HyperscanMatcher's compile worker); implementations are thread-safe.

#include <optional>
#include <string>
#include <string_view>

namespace ivy {

class DatabaseCache {
 public:
  virtual ~DatabaseCache() = default;

  // The bytes stored under `key`, or nullopt (absent, unreadable, or failing
  // the implementation's own checks, in which case it is already removed).
  virtual std::optional<std::string> load(std::string_view key) = 0;

  // Stores `bytes` under `key`, replacing what was there.
  virtual void store(std::string_view key, std::string_view bytes) = 0;

  // Removes the entry: the caller found its bytes unusable.
  virtual void remove(std::string_view key) = 0;
};

}  // namespace ivy
