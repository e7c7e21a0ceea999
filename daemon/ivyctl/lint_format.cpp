#include "daemon/ivyctl/lint_format.hpp"

#include <cstdio>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

namespace ivy::ctl {
namespace {

constexpr std::size_t kHoldersShown = 8;
constexpr std::size_t kExampleShown = 72;

const char* heading(LintCheck check) {
  switch (check) {
    case LintCheck::kInvalid:
      return "patterns PCRE2 cannot compile";
    case LintCheck::kHyperscanFallback:
      return "patterns Hyperscan cannot take (PCRE2 runs them on every message)";
    case LintCheck::kHyperscanPrefilter:
      return "patterns Hyperscan only approximates (PCRE2 confirms each candidate)";
    case LintCheck::kBacktracking:
      return "patterns prone to catastrophic backtracking";
    case LintCheck::kDialect:
      return "patterns ivy-python senders read differently from ivy-c ones";
    case LintCheck::kCatchAll:
      return "agents subscribed to every message";
    case LintCheck::kDuplicate:
      return "identical subscriptions held by many agents";
    case LintCheck::kNeverMatched:
      return "patterns nothing was delivered through";
    case LintCheck::kMostMatched:
      return "the most-matched patterns, for information";
  }
  return "";
}

bool several_buses(const LintReport& report) {
  std::set<std::string> buses;
  for (const auto& f : report.findings) {
    for (const auto& h : f.holders) buses.insert(h.bus);
  }
  return buses.size() > 1;
}

std::string holders_text(const std::vector<LintHolder>& holders, bool with_bus) {
  std::string out;
  for (std::size_t i = 0; i < holders.size() && i < kHoldersShown; ++i) {
    const auto& h = holders[i];
    out += (i ? ", " : "") + (with_bus ? printable(h.bus) + "/" : std::string()) +
           printable(h.agent) + "#" + std::to_string(h.regexp_id);
  }
  if (holders.size() > kHoldersShown)
    out += " and " + std::to_string(holders.size() - kHoldersShown) + " more";
  return out;
}

std::string example_text(const std::string& example) {
  if (example.size() <= kExampleShown) return "'" + printable(example) + "'";
  return "'" + printable(example.substr(0, kExampleShown)) + "...' (" +
         std::to_string(example.size()) + " bytes)";
}

std::string summary_line(const LintReport& report) {
  if (report.problems() == 0) return "clean: no problems found\n";
  std::map<LintCheck, std::size_t> per_check;
  std::set<std::string> patterns;
  for (const auto& f : report.findings) {
    if (f.check == LintCheck::kMostMatched) continue;
    ++per_check[f.check];
    patterns.insert(f.pattern);
  }
  std::string out = std::to_string(report.problems()) +
                    (report.problems() == 1 ? " problem" : " problems") + " in " +
                    std::to_string(patterns.size()) +
                    (patterns.size() == 1 ? " pattern" : " patterns") + " (";
  bool first = true;
  for (const auto& [check, n] : per_check) {
    out += (first ? "" : ", ") + std::string(to_string(check)) + " " + std::to_string(n);
    first = false;
  }
  return out + ")\n";
}

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7F) {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

std::string format_lint_text(const LintReport& report, const LintSource& source) {
  std::string out = "ivyctl lint: " + std::to_string(report.subscriptions) + " subscriptions, " +
                    std::to_string(report.patterns) + " patterns, " +
                    std::to_string(report.agents) + " agents (" + source.kind + ", " +
                    printable(source.where) + ")\n";
  const bool with_bus = several_buses(report);
  for (std::size_t i = 0; i < report.findings.size();) {
    const LintCheck check = report.findings[i].check;
    std::size_t end = i;
    std::set<std::string> patterns;
    while (end < report.findings.size() && report.findings[end].check == check)
      patterns.insert(report.findings[end++].pattern);
    out += "\n" + std::string(to_string(check)) + " - " + heading(check) + " (" +
           std::to_string(patterns.size()) + ")\n";
    for (std::size_t k = i; k < end; ++k) {
      const LintFinding& f = report.findings[k];
      if (k == i || f.pattern != report.findings[k - 1].pattern) {
        out += "  '" + printable(f.pattern) + "'  " + holders_text(f.holders, with_bus) + "\n";
      }
      out += "      " + printable(f.detail) + "\n";
      if (!f.example.empty()) out += "      example: " + example_text(f.example) + "\n";
    }
    i = end;
  }
  return out + "\n" + summary_line(report);
}

std::string format_lint_json(const LintReport& report, const LintSource& source) {
  using nlohmann::json;
  json findings = json::array();
  for (const auto& f : report.findings) {
    json holders = json::array();
    for (const auto& h : f.holders) {
      holders.push_back(
          {{"bus", h.bus}, {"agent", h.agent}, {"app_id", h.app_id}, {"id", h.regexp_id}});
    }
    json j{{"check", to_string(f.check)},
           {"pattern", f.pattern},
           {"detail", f.detail},
           {"holders", holders}};
    if (f.offset) j["offset"] = *f.offset;
    if (!f.example.empty()) j["example"] = f.example;
    if (f.check == LintCheck::kMostMatched) j["matches"] = f.matches;
    findings.push_back(std::move(j));
  }
  const json doc{{"source", source.kind},
                 {"where", source.where},
                 {"subscriptions", report.subscriptions},
                 {"patterns", report.patterns},
                 {"agents", report.agents},
                 {"problems", report.problems()},
                 {"clean", report.problems() == 0},
                 {"findings", std::move(findings)}};
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace ivy::ctl
