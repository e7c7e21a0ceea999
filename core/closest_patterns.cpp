#include "core/closest_patterns.hpp"

#include <algorithm>
#include <bit>
#include <memory>
#include <optional>

#include <pcre2.h>

#include "core/regex.hpp"

namespace ivy {
namespace {

bool is_meta(char c) {
  return std::string_view("\\^$.[]|()?*+{}").find(c) != std::string_view::npos;
}
bool is_quantifier(char c) { return c == '?' || c == '*' || c == '+' || c == '{'; }

// The literal bytes every match must start with, matched from its start:
// after an optional `^`, up to the first metacharacter (`^abc?` leaves out
// the `c` its quantifier makes optional). `rest` is the pattern after them.
// Any `|` gives none: the literal may belong to one branch only.
struct LeadingLiteral {
  std::string_view literal;
  std::string_view rest;
};

LeadingLiteral leading_literal(std::string_view pattern) {
  if (pattern.find('|') != std::string_view::npos) return {{}, pattern};
  const std::size_t start = !pattern.empty() && pattern[0] == '^' ? 1 : 0;
  std::size_t end = start;
  while (end < pattern.size() && !is_meta(pattern[end]) && pattern[end] != '\0') ++end;
  if (end < pattern.size() && is_quantifier(pattern[end]) && end > start) --end;
  return {pattern.substr(start, end - start), pattern.substr(end)};
}

// `^TrackMoved (\d+)` and `^TrackMoved$` have "TrackMoved" as their first
// word; `^TrackMoved(\d+)` has no first word yet (its word goes on).
bool same_first_word(const LeadingLiteral& lead, std::string_view word) {
  if (word.empty()) return false;
  if (lead.literal.size() > word.size()) {
    return lead.literal.substr(0, word.size()) == word && lead.literal[word.size()] == ' ';
  }
  if (lead.literal != word) return false;
  return lead.rest.empty() || lead.rest[0] == '$' || lead.rest.substr(0, 2) == "\\s" ||
         lead.rest.substr(0, 2) == "\\b";
}

struct CodeFree {
  void operator()(pcre2_code* code) const { pcre2_code_free(code); }
};
struct DataFree {
  void operator()(pcre2_match_data* data) const { pcre2_match_data_free(data); }
};
struct ContextFree {
  void operator()(pcre2_match_context* context) const { pcre2_match_context_free(context); }
};

// Partial matching, anchored at the text's start, for one call of
// closest_patterns, within a budget of PCRE2 calls.
class PrefixProbe {
 public:
  explicit PrefixProbe(std::size_t budget)
      : budget_(budget),
        data_(pcre2_match_data_create(1, nullptr)),
        context_(pcre2_match_context_create(nullptr)) {
    pcre2_set_match_limit(context_.get(), kProbeMatchLimit);
    pcre2_set_depth_limit(context_.get(), kRegexDepthLimit);
  }

  // Whether a compile and one search fit in what is left of the budget.
  bool can_afford(std::size_t text_bytes) const {
    return budget_ >= 2 + static_cast<std::size_t>(std::bit_width(text_bytes));
  }

  // The longest prefix of `text` that can still start a match, at least
  // `known` (a length already known to agree, at most text.size()); nullopt
  // if the pattern does not compile.
  std::optional<std::size_t> agreed_bytes(std::string_view pattern, std::string_view text,
                                          std::size_t known) {
    --budget_;
    int error = 0;
    PCRE2_SIZE offset = 0;
    const std::unique_ptr<pcre2_code, CodeFree> code(pcre2_compile(
        reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), 0, &error, &offset, nullptr));
    if (!code) return std::nullopt;
    // "Can still start a match" shrinks as the prefix grows: binary search.
    std::size_t lo = known, hi = text.size();
    while (lo < hi) {
      const std::size_t mid = lo + (hi - lo + 1) / 2;
      if (fits(code.get(), text.substr(0, mid)))
        lo = mid;
      else
        hi = mid - 1;
    }
    return lo;
  }

 private:
  // A complete match, or PCRE2 reached the end of `prefix` wanting more.
  // A limit hit counts as not fitting.
  bool fits(const pcre2_code* code, std::string_view prefix) {
    --budget_;
    const int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(prefix.data()), prefix.size(), 0,
                               PCRE2_ANCHORED | PCRE2_PARTIAL_HARD, data_.get(), context_.get());
    return rc >= 0 || rc == PCRE2_ERROR_PARTIAL;
  }

  std::size_t budget_;
  std::unique_ptr<pcre2_match_data, DataFree> data_;
  std::unique_ptr<pcre2_match_context, ContextFree> context_;
};

std::size_t common_prefix(std::string_view a, std::string_view b) {
  return static_cast<std::size_t>(
      std::mismatch(a.begin(), a.begin() + std::min(a.size(), b.size()), b.begin()).first -
      a.begin());
}

}  // namespace

std::string_view first_word(std::string_view text) { return text.substr(0, text.find(' ')); }

std::vector<NearMiss> closest_patterns(std::string_view text, std::span<const std::string> patterns,
                                       const NearMissOptions& options) {
  const std::string_view weighed = text.substr(0, options.max_text_bytes);
  const std::size_t needed = std::min(options.min_agreed_bytes, weighed.size());
  const std::string_view word = first_word(weighed);
  std::vector<NearMiss> found;
  if (weighed.empty()) return found;
  PrefixProbe probe(options.max_pcre2_calls);
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    const LeadingLiteral lead = leading_literal(patterns[i]);
    const bool same_word = same_first_word(lead, word);
    // Every match starts with the literal: where the text leaves it, the
    // agreement ends, and no compile is needed to say so.
    const std::size_t common = common_prefix(lead.literal, weighed);
    const bool parts_in_literal = common < lead.literal.size() && common < weighed.size();
    if (parts_in_literal && common < needed && !same_word) continue;
    // Parting inside the literal, the search has nothing left to weigh: the
    // compile only checks that the pattern is one. Past the budget, the
    // literal is all that is weighed.
    const auto agreed =
        !probe.can_afford(weighed.size())
            ? std::optional<std::size_t>(common)
            : probe.agreed_bytes(patterns[i],
                                 weighed.substr(0, parts_in_literal ? common : weighed.size()),
                                 common);
    if (!agreed || (!same_word && *agreed < needed)) continue;
    found.push_back(NearMiss{i, same_word, *agreed});
  }
  std::stable_sort(found.begin(), found.end(), [](const NearMiss& a, const NearMiss& b) {
    if (a.same_first_word != b.same_first_word) return a.same_first_word;
    return a.agreed_bytes > b.agreed_bytes;
  });
  if (found.size() > options.max_results) found.resize(options.max_results);
  return found;
}

}  // namespace ivy
