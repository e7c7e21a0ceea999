#include "config/regex_check.hpp"

#include <pcre2.h>

#include <string>

namespace ivy::config {

Status check_regex(std::string_view pattern) {
  // Same options as core/matcher.hpp: byte mode, no UTF.
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), 0,
                                   &error_code, &error_offset, nullptr);
  if (code != nullptr) {
    pcre2_code_free(code);
    return {};
  }
  PCRE2_UCHAR message[256] = {};
  pcre2_get_error_message(error_code, message, sizeof message);
  return fail("\"" + std::string(pattern) + "\": " + reinterpret_cast<const char*>(message) +
              " at offset " + std::to_string(error_offset));
}

}  // namespace ivy::config
