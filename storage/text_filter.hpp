#pragma once
// TextFilter: a compiled PCRE2 pattern for reader-side text filtering
// (unanchored search; an empty pattern matches everything).
//
// Thread: one thread at a time (owns its match data).

#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace ivy::storage {

class TextFilter {
 public:
  static Result<TextFilter> compile(const std::string& pattern);
  bool matches(std::string_view text) const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;  // null = match everything
};

}  // namespace ivy::storage
