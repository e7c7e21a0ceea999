#include "daemon/log.hpp"

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <iostream>

namespace ivy::daemon {

std::optional<LogLevel> parse_log_level(std::string_view text) {
  if (text == "debug") return LogLevel::kDebug;
  if (text == "info") return LogLevel::kInfo;
  if (text == "notice") return LogLevel::kNotice;
  if (text == "warning" || text == "warn") return LogLevel::kWarning;
  if (text == "error") return LogLevel::kError;
  return std::nullopt;
}

std::string_view log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kNotice: return "notice";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "?";
}

Logger::Logger(LogLevel level, Style style, std::ostream* out)
    : level_(level),
      journal_(style == Style::kJournal || (style == Style::kAuto && std::getenv("JOURNAL_STREAM"))),
      out_(out ? out : &std::cerr) {}

void Logger::log(LogLevel level, std::string_view text) {
  if (!enabled(level)) return;
  std::string line;
  line.reserve(text.size() + 40);
  if (journal_) {
    line += '<';
    line += std::to_string(static_cast<int>(level));
    line += '>';
  } else {
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    localtime_r(&t, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
    line += stamp;
    line += '.';
    line += std::to_string(1000 + ms).substr(1);
    line += ' ';
    line += log_level_name(level);
    line += ": ";
  }
  line.append(text);
  line += '\n';
  std::lock_guard lock(mutex_);
  out_->write(line.data(), static_cast<std::streamsize>(line.size()));
  out_->flush();
}

}  // namespace ivy::daemon
