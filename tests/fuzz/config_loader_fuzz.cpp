// libFuzzer target: a config file's bytes -> config::load_config_text
// (config/config_loader.hpp): JSON parse, position index, section readers,
// whole-config validation. Dictionary: tests/fuzz/config_loader.dict.
//
// Invariants checked (a failure aborts, and libFuzzer keeps the input):
//   - loading never crashes and gives the same answer twice;
//   - a loaded Config re-validates: validate() finds no problem, and
//     diff(config, config) is empty;
//   - a failure has at least one problem; every problem carries the source
//     name and a non-empty message, and its line/column is either 0/0 or a
//     place in the text (1-based; the column may be one past the end of its
//     line, e.g. a syntax error at the end of the text);
//   - problems come in text order (those without a line last);
//   - every problem renders as one line: to_string(problems) has exactly one
//     LF per problem (messages and paths quote the user's keys and values).

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config_diff.hpp"
#include "config/config_loader.hpp"
#include "config/config_validate.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using namespace ivy;
using namespace ivy::config;

constexpr std::string_view kSource = "fuzz";

// Byte length of each line of the text (lines split at LF).
std::vector<std::size_t> line_lengths(std::string_view text) {
  std::vector<std::size_t> lengths;
  for (;;) {
    const auto lf = text.find('\n');
    lengths.push_back(lf == std::string_view::npos ? text.size() : lf);
    if (lf == std::string_view::npos) return lengths;
    text.remove_prefix(lf + 1);
  }
}

void check_problem(const ConfigProblem& p, const std::vector<std::size_t>& lines) {
  FUZZ_CHECK(p.source == kSource);
  FUZZ_CHECK(!p.message.empty());
  if (p.line == 0) {
    FUZZ_CHECK(p.column == 0);
    return;
  }
  FUZZ_CHECK(p.line >= 1 && static_cast<std::size_t>(p.line) <= lines.size());
  FUZZ_CHECK(p.column >= 1 &&
             static_cast<std::size_t>(p.column) <= lines[static_cast<std::size_t>(p.line) - 1] + 1);
}

void check_problems(const ConfigProblems& problems, std::string_view text) {
  FUZZ_CHECK(!problems.empty());
  const auto lines = line_lengths(text);
  for (const auto& p : problems) check_problem(p, lines);
  auto key = [](const ConfigProblem& p) { return std::pair(p.line == 0 ? INT_MAX : p.line, p.column); };
  for (std::size_t i = 1; i < problems.size(); ++i) FUZZ_CHECK(key(problems[i - 1]) <= key(problems[i]));
  const std::string rendered = to_string(problems);
  if (static_cast<std::size_t>(std::count(rendered.begin(), rendered.end(), '\n')) != problems.size()) {
    std::fprintf(stderr, "problems span more lines than there are problems:\n%s", rendered.c_str());
    FUZZ_CHECK(false);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const ConfigResult result = load_config_text(text, kSource);
  const ConfigResult again = load_config_text(text, kSource);
  FUZZ_CHECK(result.ok() == again.ok());
  if (!result) {
    check_problems(result.error(), text);
    FUZZ_CHECK(result.error() == again.error());
    return 0;
  }
  FUZZ_CHECK(*result == *again);
  const ConfigProblems problems = validate(*result);
  if (!problems.empty()) {
    std::fprintf(stderr, "loaded, but validate() says:\n%s", to_string(problems).c_str());
    FUZZ_CHECK(false);
  }
  FUZZ_CHECK(diff(*result, *result).empty());
  return 0;
}
