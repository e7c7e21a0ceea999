#pragma once
// Logger: one line per event on stderr, the way systemd wants it.
//
// Under systemd (JOURNAL_STREAM is set) every line starts with its syslog
// priority as "<N>" and carries no timestamp: journald adds both. On a
// terminal or in a file, lines get a local timestamp and a level word.
// Messages below the configured level are not formatted at all.
//
// Thread-safe: the recorder's writer thread logs too, so writes are
// serialised by a mutex (logging is never on the per-message hot path).

#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace ivy::daemon {

enum class LogLevel { kDebug = 7, kInfo = 6, kNotice = 5, kWarning = 4, kError = 3 };

std::optional<LogLevel> parse_log_level(std::string_view text);
std::string_view log_level_name(LogLevel level);

class Logger {
 public:
  enum class Style { kAuto, kJournal, kPlain };

  // Writes to `out` (std::cerr by default). kAuto picks kJournal when the
  // JOURNAL_STREAM environment variable is set.
  explicit Logger(LogLevel level = LogLevel::kInfo, Style style = Style::kAuto, std::ostream* out = nullptr);

  void set_level(LogLevel level) { level_ = level; }
  LogLevel level() const { return level_; }
  bool enabled(LogLevel level) const { return static_cast<int>(level) <= static_cast<int>(level_); }

  void log(LogLevel level, std::string_view text);
  void debug(std::string_view text) { if (enabled(LogLevel::kDebug)) log(LogLevel::kDebug, text); }
  void info(std::string_view text) { if (enabled(LogLevel::kInfo)) log(LogLevel::kInfo, text); }
  void notice(std::string_view text) { if (enabled(LogLevel::kNotice)) log(LogLevel::kNotice, text); }
  void warning(std::string_view text) { if (enabled(LogLevel::kWarning)) log(LogLevel::kWarning, text); }
  void error(std::string_view text) { log(LogLevel::kError, text); }

 private:
  LogLevel level_;
  bool journal_;
  std::ostream* out_;
  std::mutex mutex_;
};

}  // namespace ivy::daemon
