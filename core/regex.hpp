#pragma once
// Regex: one compiled PCRE2 pattern with ivy-c's options (none): byte mode (no
// UTF), case-sensitive, `.` does not match LF, `$` matches at the end or before
// a final LF, unanchored search.
//
// Every search runs under a match limit and a depth limit, so a catastrophic
// pattern such as `(a+)+$` on a long text ends with an error value after a few
// milliseconds instead of hanging the event loop.
//
// Thread: a Regex is immutable after compile() and may be searched from any
// thread; the PCRE2 match data is a per-thread scratch inside regex.cpp (one
// per thread, not one per pattern: PCRE2 10.41+ keeps its backtracking heap in
// the match data, and 10,000 patterns x 20 KiB would waste 200 MB).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/matcher.hpp"
#include "core/result.hpp"

struct pcre2_real_code_8;
struct pcre2_real_match_data_8;

namespace ivy {

enum class JitMode {
  kInterpreter,  // default: JIT loses from ~100 patterns on (I-cache thrash)
  kJit,          // for few, hot patterns; falls back silently if JIT is unavailable
};

// Limits applied to every search. Defaults stop `(a+)+$` on 10 kB in ~10 ms.
inline constexpr std::uint32_t kRegexMatchLimit = 1'000'000;
inline constexpr std::uint32_t kRegexDepthLimit = 10'000;

class Regex {
 public:
  // Compiles `pattern` (any bytes, NUL included). A failure carries PCRE2's
  // error offset and message, e.g. `(` -> {1, "missing closing parenthesis"}.
  static Result<Regex, CompileError> compile(std::string_view pattern,
                                             JitMode jit = JitMode::kInterpreter);

  Regex(Regex&& other) noexcept;
  Regex& operator=(Regex&& other) noexcept;
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;
  ~Regex();

  // Searches `text` anywhere. On a match returns true and replaces `captures`
  // with the groups encoded per `mode` (§6.4): kAllGroups gives
  // capture_count() strings, an unmatched group being empty; kStrictC leaves
  // out trailing unmatched groups (PCRE's rc = 1 + highest set group).
  // On no match returns false and leaves `captures` alone. An error value
  // (code = PCRE2's negative error number) means a limit was hit.
  Result<bool> search(std::string_view text, CaptureMode mode,
                      std::vector<std::string>& captures) const;

  // As search() without captures.
  Result<bool> matches(std::string_view text) const;

  // Number of capturing groups.
  int capture_count() const { return capture_count_; }
  bool jit() const { return jit_; }

 private:
  Regex(pcre2_real_code_8* code, int capture_count, bool jit)
      : code_(code), capture_count_(capture_count), jit_(jit) {}
  int run(std::string_view text, pcre2_real_match_data_8* data) const;

  pcre2_real_code_8* code_ = nullptr;
  int capture_count_ = 0;
  bool jit_ = false;
};

}  // namespace ivy
