#include "core/regex.hpp"

#include <memory>
#include <utility>

#include <pcre2.h>

namespace ivy {
namespace {

// Read-only after creation, so one context serves every thread.
pcre2_match_context* limits_context() {
  static const std::unique_ptr<pcre2_match_context, void (*)(pcre2_match_context*)> context{
      [] {
        pcre2_match_context* c = pcre2_match_context_create(nullptr);
        pcre2_set_match_limit(c, kRegexMatchLimit);
        pcre2_set_depth_limit(c, kRegexDepthLimit);
        return c;
      }(),
      pcre2_match_context_free};
  return context.get();
}

// One match data per thread, grown to the largest pattern seen.
class ThreadMatchData {
 public:
  ~ThreadMatchData() { pcre2_match_data_free(data_); }
  pcre2_match_data* for_pattern(int capture_count) {
    const auto pairs = static_cast<std::uint32_t>(capture_count) + 1;
    if (data_ == nullptr || pcre2_get_ovector_count(data_) < pairs) {
      pcre2_match_data_free(data_);
      data_ = pcre2_match_data_create(pairs < 16 ? 16 : pairs, nullptr);
    }
    return data_;
  }

 private:
  pcre2_match_data* data_ = nullptr;
};

thread_local ThreadMatchData thread_match_data;

std::string error_text(int code) {
  PCRE2_UCHAR buffer[256];
  const int n = pcre2_get_error_message(code, buffer, sizeof buffer);
  return n < 0 ? "unknown PCRE2 error " + std::to_string(code)
               : std::string(reinterpret_cast<const char*>(buffer), static_cast<std::size_t>(n));
}

void fill_captures(std::string_view text, const PCRE2_SIZE* ovector, int rc, int capture_count,
                   CaptureMode mode, std::vector<std::string>& captures) {
  // kStrictC: PCRE's rc is 1 + the highest group that was set (ivy-c sends rc-1).
  const int groups = mode == CaptureMode::kStrictC ? rc - 1 : capture_count;
  captures.clear();
  captures.reserve(static_cast<std::size_t>(groups));
  for (int g = 1; g <= groups; ++g) {
    const PCRE2_SIZE start = ovector[2 * g];
    if (start == PCRE2_UNSET || g >= rc) {
      captures.emplace_back();
    } else {
      captures.emplace_back(text.substr(start, ovector[2 * g + 1] - start));
    }
  }
}

}  // namespace

Result<Regex, CompileError> Regex::compile(std::string_view pattern, JitMode jit) {
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   0, &error_code, &error_offset, nullptr);
  if (code == nullptr) {
    return fail_with(CompileError{static_cast<int>(error_offset), error_text(error_code)});
  }
  std::uint32_t captures = 0;
  pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &captures);
  const bool jitted = jit == JitMode::kJit && pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
  return Regex(code, static_cast<int>(captures), jitted);
}

Regex::Regex(Regex&& other) noexcept
    : code_(std::exchange(other.code_, nullptr)),
      capture_count_(other.capture_count_),
      jit_(other.jit_) {}

Regex& Regex::operator=(Regex&& other) noexcept {
  if (this != &other) {
    pcre2_code_free(code_);
    code_ = std::exchange(other.code_, nullptr);
    capture_count_ = other.capture_count_;
    jit_ = other.jit_;
  }
  return *this;
}

Regex::~Regex() { pcre2_code_free(code_); }

// Always pcre2_match, never pcre2_jit_match: the latter skips the UTF
// validity check, and a peer may turn UTF mode on with a leading `(*UTF)`,
// after which invalid UTF-8 in a message would make JIT code read past the
// text (RegexTest.UtfPatternOnInvalidUtf8IsAnErrorNotACrash).
int Regex::run(std::string_view text, pcre2_match_data* data) const {
  return pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0, 0, data,
                     limits_context());
}

Result<bool> Regex::search(std::string_view text, CaptureMode mode,
                           std::vector<std::string>& captures) const {
  pcre2_match_data* data = thread_match_data.for_pattern(capture_count_);
  const int rc = run(text, data);
  if (rc == PCRE2_ERROR_NOMATCH) return false;
  if (rc < 0) return fail(error_text(rc), rc);
  fill_captures(text, pcre2_get_ovector_pointer(data), rc, capture_count_, mode, captures);
  return true;
}

Result<bool> Regex::matches(std::string_view text) const {
  const int rc = run(text, thread_match_data.for_pattern(capture_count_));
  if (rc == PCRE2_ERROR_NOMATCH) return false;
  if (rc < 0) return fail(error_text(rc), rc);
  return true;
}

}  // namespace ivy
