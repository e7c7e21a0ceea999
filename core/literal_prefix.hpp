#pragma once
// anchored_literal_prefix: for a pattern of the common Ivy shape `^Word …`, the
// literal bytes every match must start the text with ("Word "), so a matcher
// can skip PCRE2 on texts that do not start with them (a memcmp instead of a
// pcre2_match call). Conservative: returns "" whenever unsure (no leading `^`,
// any `|`, an escape or metacharacter first).
//
// Valid for ivy-c's options (none): `^` matches only at the start of the text
// (no multiline), and no extended mode, so spaces are literal.

#include <string>
#include <string_view>

namespace ivy {

std::string anchored_literal_prefix(std::string_view pattern);

}  // namespace ivy
