#pragma once
// How `ivyctl lint` prints its report: a text report grouped by check (one
// header per check, each pattern once with its holders and the details), or
// one JSON document. Pure.
//
// Patterns and names come from the bus: in text, control bytes are shown as
// \xHH so they cannot drive the terminal; in JSON, invalid UTF-8 becomes
// U+FFFD.

#include <string>

#include "core/subscription_lint.hpp"

namespace ivy::ctl {

struct LintSource {
  std::string kind;   // "live" or "recording"
  std::string where;  // the socket or the recording path
};

std::string format_lint_text(const LintReport& report, const LintSource& source);
std::string format_lint_json(const LintReport& report, const LintSource& source);

// `text` with control bytes (< 0x20, 0x7F) written as \xHH.
std::string printable(std::string_view text);

}  // namespace ivy::ctl
