#include "storage/text_filter.hpp"

#include <pcre2.h>

namespace ivy::storage {

struct TextFilter::Impl {
  pcre2_code* code = nullptr;
  pcre2_match_data* data = nullptr;
  ~Impl() {
    pcre2_match_data_free(data);
    pcre2_code_free(code);
  }
};

Result<TextFilter> TextFilter::compile(const std::string& pattern) {
  TextFilter filter;
  if (pattern.empty()) return filter;
  int error = 0;
  PCRE2_SIZE offset = 0;
  auto impl = std::make_shared<Impl>();
  impl->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), 0,
                             &error, &offset, nullptr);
  if (impl->code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof message);
    return fail("bad regexp '" + pattern + "' at " + std::to_string(offset) + ": " +
                    reinterpret_cast<const char*>(message),
                static_cast<int>(offset));
  }
  impl->data = pcre2_match_data_create_from_pattern(impl->code, nullptr);
  filter.impl_ = std::move(impl);
  return filter;
}

bool TextFilter::matches(std::string_view text) const {
  if (!impl_) return true;
  return pcre2_match(impl_->code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0, 0,
                     impl_->data, nullptr) >= 0;
}

}  // namespace ivy::storage
