#include "core/subscription_lint.hpp"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "core/backtracking_check.hpp"
#include "core/dialect_check.hpp"
#include "core/hs_database.hpp"
#include "core/regex.hpp"
#include "core/regex_syntax.hpp"

namespace ivy {
namespace {

constexpr std::string_view kNames[kLintCheckCount] = {
    "invalid",   "hyperscan-fallback", "hyperscan-prefilter", "backtracking", "dialect",
    "catch-all", "duplicate",          "never-matched",       "most-matched"};

// One distinct pattern and everyone who holds it.
struct PatternUse {
  std::string pattern;
  std::vector<LintHolder> holders;
  std::set<std::string> agents;
  std::optional<std::int64_t> matches;
};

std::string agent_key(const LintSubscription& s) {
  return s.bus + '\n' + (s.app_id.empty() ? s.agent : s.app_id);
}

std::vector<PatternUse> group_by_pattern(const std::vector<LintSubscription>& subs,
                                         std::set<std::string>& agents) {
  std::vector<PatternUse> uses;
  std::unordered_map<std::string, std::size_t> index;
  for (const LintSubscription& s : subs) {
    auto [it, fresh] = index.emplace(s.pattern, uses.size());
    if (fresh) uses.push_back(PatternUse{s.pattern, {}, {}, std::nullopt});
    PatternUse& use = uses[it->second];
    const LintHolder holder{s.bus, s.agent, s.app_id, s.regexp_id};
    const bool seen = std::any_of(use.holders.begin(), use.holders.end(), [&](const LintHolder& h) {
      return h.bus == holder.bus && h.agent == holder.agent && h.app_id == holder.app_id &&
             h.regexp_id == holder.regexp_id;
    });
    if (!seen) use.holders.push_back(holder);
    use.agents.insert(agent_key(s));
    agents.insert(agent_key(s));
    if (s.matches) use.matches = use.matches.value_or(0) + *s.matches;
  }
  return uses;
}

bool dot_like(const RegexNode& n) {
  return n.kind == RegexNodeKind::kBytes && n.min == 0 && n.max == kUnbounded &&
         (n.bytes | byte_set_of('\n')).all();
}

bool every_text(const std::vector<RegexSequence>& alternatives);

// Every text (Ivy texts have no LF) has a match starting at 0 made only of
// anchors and `.*`: `(.*)`, `^(.*)$`, `.*`, the empty pattern.
bool every_text(const RegexSequence& seq) {
  return std::all_of(seq.begin(), seq.end(), [](const RegexNode& n) {
    if (n.kind == RegexNodeKind::kAssert) return n.assertion != AssertKind::kOther;
    if (n.kind == RegexNodeKind::kGroup) {
      return n.group != GroupKind::kLookahead && n.group != GroupKind::kLookbehind &&
             every_text(n.alternatives);
    }
    return dot_like(n);
  });
}

bool every_text(const std::vector<RegexSequence>& alternatives) {
  return std::any_of(alternatives.begin(), alternatives.end(),
                     [](const RegexSequence& seq) { return every_text(seq); });
}

class Linter {
 public:
  Linter(const LintOptions& options, LintReport& report) : options_(options), report_(report) {}

  void check(const PatternUse& use) {
    auto regex = Regex::compile(use.pattern);
    if (!regex) {
      add(LintCheck::kInvalid, use,
          "PCRE2: " + regex.error().message + " at offset " + std::to_string(regex.error().offset) +
              "; ivyd and ivy-c agents ignore it",
          static_cast<std::size_t>(regex.error().offset));
      return;
    }
    const HsPatternClass hs =
        wanted(LintCheck::kHyperscanFallback) || wanted(LintCheck::kHyperscanPrefilter)
            ? classify_hs_pattern(use.pattern)
            : HsPatternClass::kExact;
    if (hs == HsPatternClass::kFallback) {
      add(LintCheck::kHyperscanFallback, use,
          "Hyperscan cannot take it: PCRE2 runs it on every message");
    } else if (hs == HsPatternClass::kPrefilter) {
      add(LintCheck::kHyperscanPrefilter, use,
          "Hyperscan takes an approximation: PCRE2 confirms every candidate");
    }
    const RegexSyntax syntax = parse_regex_syntax(use.pattern);
    if (wanted(LintCheck::kBacktracking)) backtracking(use, syntax);
    for (const DialectIssue& issue : find_dialect_issues(use.pattern, syntax)) {
      add(LintCheck::kDialect, use, issue.what,
          issue.kind == DialectIssueKind::kAnchoring ? std::nullopt
                                                     : std::optional<std::size_t>(issue.offset));
    }
    if (every_text(syntax.alternatives))
      add(LintCheck::kCatchAll, use, "matches every message: its holders get the whole bus");
  }

  void usage(const PatternUse& use) {
    if (use.agents.size() >= options_.duplicate_holders) {
      add(LintCheck::kDuplicate, use, "held by " + std::to_string(use.agents.size()) + " agents");
    }
    if (use.matches && *use.matches == 0)
      add(LintCheck::kNeverMatched, use, "nothing was delivered through it");
  }

 private:
  bool wanted(LintCheck c) const { return (options_.skip & lint_bit(c)) == 0; }

  void add(LintCheck c, const PatternUse& use, std::string detail,
           std::optional<std::size_t> offset = std::nullopt) {
    if (!wanted(c)) return;
    LintFinding f;
    f.check = c;
    f.pattern = use.pattern;
    f.holders = use.holders;
    f.detail = std::move(detail);
    f.offset = offset;
    report_.findings.push_back(std::move(f));
  }

  void backtracking(const PatternUse& use, const RegexSyntax& syntax) {
    const auto risk = find_exponential_backtracking(use.pattern, syntax);
    if (!risk) return;
    std::string detail = "exponential backtracking: the repetition around offset " +
                         std::to_string(risk->offset) + " can read the same text in several ways; ";
    detail += risk->pcre2_gives_up
                  ? "PCRE2 gives up on a " + std::to_string(risk->example.size()) +
                        "-byte text like the example (ivyd and ivy-c then count it as no match; an "
                        "ivy-python "
                        "sender has no limit and can hang)"
                  : "PCRE2's optimisations cope with the example, Python's re may not";
    add(LintCheck::kBacktracking, use, std::move(detail), risk->offset);
    report_.findings.back().example = risk->example;
  }

  const LintOptions& options_;
  LintReport& report_;
};

void most_matched(const std::vector<PatternUse>& uses, const LintOptions& options,
                  LintReport& report) {
  std::vector<const PatternUse*> busy;
  for (const PatternUse& u : uses) {
    if (u.matches && *u.matches > 0) busy.push_back(&u);
  }
  std::stable_sort(busy.begin(), busy.end(), [](const PatternUse* a, const PatternUse* b) {
    return *a->matches > *b->matches;
  });
  if (busy.size() > options.most_matched) busy.resize(options.most_matched);
  for (const PatternUse* u : busy) {
    LintFinding f;
    f.check = LintCheck::kMostMatched;
    f.pattern = u->pattern;
    f.holders = u->holders;
    f.matches = *u->matches;
    f.detail = std::to_string(*u->matches) + " deliveries";
    report.findings.push_back(std::move(f));
  }
}

}  // namespace

std::string_view to_string(LintCheck check) { return kNames[static_cast<unsigned>(check)]; }

std::optional<LintCheck> parse_lint_check(std::string_view name) {
  for (unsigned c = 0; c < kLintCheckCount; ++c) {
    if (kNames[c] == name) return static_cast<LintCheck>(c);
  }
  return std::nullopt;
}

std::size_t LintReport::problems() const {
  return static_cast<std::size_t>(
      std::count_if(findings.begin(), findings.end(),
                    [](const LintFinding& f) { return f.check != LintCheck::kMostMatched; }));
}

LintReport lint_subscriptions(const std::vector<LintSubscription>& subscriptions,
                              const LintOptions& options) {
  LintReport report;
  std::set<std::string> agents;
  const std::vector<PatternUse> uses = group_by_pattern(subscriptions, agents);
  report.subscriptions = subscriptions.size();
  report.patterns = uses.size();
  report.agents = agents.size();
  report.with_counts = std::any_of(subscriptions.begin(), subscriptions.end(),
                                   [](const LintSubscription& s) { return s.matches.has_value(); });
  Linter linter(options, report);
  for (const PatternUse& use : uses) {
    linter.check(use);
    linter.usage(use);
  }
  if ((options.skip & lint_bit(LintCheck::kMostMatched)) == 0) most_matched(uses, options, report);
  // By check, then by first appearance (stable).
  std::stable_sort(report.findings.begin(), report.findings.end(),
                   [](const LintFinding& a, const LintFinding& b) { return a.check < b.check; });
  return report;
}

}  // namespace ivy
