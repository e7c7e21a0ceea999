#pragma once
// check_regex: does a bridge include/exclude pattern compile?
//
// Bridges filter message text with PCRE2 (the dialect Ivy agents use for
// subscriptions), so the check compiles the pattern with PCRE2 and throws the
// code away. The error names the offset: "\"(a\": missing closing parenthesis
// at offset 2".

#include <string_view>

#include "core/result.hpp"

namespace ivy::config {

Status check_regex(std::string_view pattern);

}  // namespace ivy::config
