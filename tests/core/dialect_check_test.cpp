#include "core/dialect_check.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "core/regex.hpp"
#include "tests/daemon/process_support.hpp"

namespace ivy {
namespace {

std::vector<DialectIssue> issues_of(std::string_view pattern) {
  return find_dialect_issues(pattern, parse_regex_syntax(pattern));
}

bool has_kind(const std::vector<DialectIssue>& issues, DialectIssueKind kind) {
  return std::any_of(issues.begin(), issues.end(),
                     [kind](const DialectIssue& i) { return i.kind == kind; });
}

TEST(DialectCheck, AnchoredPatternsAgreeOnWhereAMatchStarts) {
  for (const char* pattern : {"^hello (.*)", "\\Ahello", "(.*)", ".*world", ".+x", "^a|^b",
                              "(^a|^b)c", "(?i)^abc", "", "(?=x)^x", "(.*) (.*)", "(^a)+"}) {
    EXPECT_TRUE(starts_anchored(parse_regex_syntax(pattern).alternatives)) << pattern;
  }
  for (const char* pattern :
       {"hello", "world$", "^a|b", "(a|^b)", "\\bword", "(^a)?b", "$", "x*^", "\\1"}) {
    EXPECT_FALSE(starts_anchored(parse_regex_syntax(pattern).alternatives)) << pattern;
  }
}

TEST(DialectCheck, NamesTheConstructAndWhatEachSideDoes) {
  const auto issues = issues_of("^a(?<n>b)\\h$");
  ASSERT_EQ(issues.size(), 2u);
  EXPECT_EQ(issues[0].kind, DialectIssueKind::kPythonRejects);
  EXPECT_EQ(issues[0].offset, 2u);
  EXPECT_EQ(issues[0].what, "(?<n>: named group: Python's re only knows (?P<name>...)");
  EXPECT_EQ(issues[1].what, "\\h: escape: Python's re rejects it (bad escape)");
}

TEST(DialectCheck, Python311FeaturesAreOnlyForOldPythons) {
  EXPECT_TRUE(has_kind(issues_of("^a++$"), DialectIssueKind::kOldPythonRejects));
  EXPECT_TRUE(has_kind(issues_of("^(?>a+)b$"), DialectIssueKind::kOldPythonRejects));
  EXPECT_FALSE(has_kind(issues_of("^a++$"), DialectIssueKind::kPythonRejects));
}

TEST(DialectCheck, UnanchoredPatternIsReported) {
  const auto issues = issues_of("Callsign=N\\b");
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].kind, DialectIssueKind::kAnchoring);
  EXPECT_TRUE(issues_of("^Callsign=N\\b").empty());
}

// \d \w \s \b are Unicode-aware in Python and ASCII in PCRE's byte mode: they
// differ only on non-ASCII text, which most buses never carry: not reported.
TEST(DialectCheck, UnicodeAwareClassesAreNotReported) {
  EXPECT_TRUE(issues_of("^(\\w+) (\\d+)\\s*\\b").empty());
}

// --- Python's re as the oracle --------------------------------------------------------

// Each pattern with texts on which a difference would show (Ivy texts: no LF).
struct Case {
  std::string pattern;
  std::vector<std::string> texts;
};

std::vector<Case> oracle_cases() {
  const std::vector<std::string> common{
      "",    "a",           "abc",        "hello world", "say hello", "x{,3}", "xx", "Flight=N123",
      "caf", "caf\xc3\xa9", "\xc3\xa9",   "\r",          "\v",        "a.b",   "aB", "ab",
      "bc",  "x",           "xFlight=N1", "aaaaaa",      "a b"};
  std::vector<Case> cases;
  for (const char* p :
       {// portable
        "^hello (.*)", "^AircraftDelete Flight=N(\\d*)", "(.*)", "^(\\w+) (\\w+)$", "^a|^b",
        ".*world", "(?i)^abc$", "^x{2,3}$", "^[a-c]+\\.$", "^(?P<n>a)(?P=n)$", "^a(?=b)", "^ab\\Z",
        "^[]a]$", "^a$", "^(a)?(b)$", ".+x", "^(a)?(?(1)b|c)$", "^a.b$", "^[^a]+$", "^(?:ab|bc)$",
        "^\\x41", "^a{0}b", "^Flight=N\\d+$", "^(?i:a)b$", "(?x)^ a \\  b $", "^\\s$", "(?s)^a.b",
        // PCRE only, or read differently
        "hello", "world$", "Flight", "(?<n>a)", "^\\Qa.b\\E$", "^\\h$", "^a\\z", "^[[:alpha:]]+$",
        "^x{,3}$", "^\\v$", "^a(?i)b$", "^(?-i)a$", "^(?<=a|bc)x", "^caf\xc3\xa9?$",
        "^[\xc3\xa9\xc3\xa8]$", "^\\x{41}$", "^\\xA", "^(a)(?1)$", "^(?|a)$", "^\\e$", "^\\cA$",
        "^\\p{L}$", "^\\R$", "^a\\Kb", "^\\X$", "^\\C$", "^\\N$", "^(?U)a+", "^a\\E", "^(?'n'a)$",
        "^[\\V]$",
        // Python 3.11+ only
        "^a++$", "^(?>a+)b$"}) {
    cases.push_back({p, common});
  }
  return cases;
}

std::string hex(std::string_view bytes) {
  std::string out;
  char buf[3];
  for (unsigned char c : bytes) {
    std::snprintf(buf, sizeof buf, "%02x", c);
    out += buf;
  }
  return out;
}

// For every case, one line: "E" if Python cannot compile the pattern, else
// one 0/1 per text for re.match (what an ivy-python sender does).
constexpr const char* kOracle = R"(
import re, sys, warnings
warnings.simplefilter('ignore')
print(sys.version_info[0] * 100 + sys.version_info[1])
for line in open(sys.argv[1]):
    fields = line.split()
    pattern = bytes.fromhex(fields[0]).decode('utf-8')
    try:
        r = re.compile(pattern)
    except Exception:
        print('E'); continue
    print(''.join('1' if r.match(bytes.fromhex(t[1:]).decode('utf-8')) else '0' for t in fields[1:]))
)";

TEST(DialectCheck, AgreesWithPythonsReAsAnOracle) {
  ivy::test::TempDir dir;
  if (ivy::test::run_command({"/usr/bin/python3", "-c", "pass"}) != 0)
    GTEST_SKIP() << "python3 is not installed";
  const auto cases = oracle_cases();
  {
    std::ofstream script(dir.file("oracle.py"));
    script << kOracle;
    std::ofstream input(dir.file("cases.txt"));
    for (const Case& c : cases) {
      input << hex(c.pattern);
      for (const auto& t : c.texts) input << " h" << hex(t);  // "h": an empty text is still a field
      input << "\n";
    }
  }
  std::string out;
  std::string err;
  ASSERT_EQ(ivy::test::run_command(
                {"/usr/bin/python3", dir.file("oracle.py"), dir.file("cases.txt")}, &out, &err),
            0)
      << err;
  std::istringstream lines(out);
  std::string version_line;
  std::getline(lines, version_line);
  const int python = std::stoi(version_line);
  for (const Case& c : cases) {
    std::string verdict;
    ASSERT_TRUE(std::getline(lines, verdict)) << c.pattern;
    auto regex = Regex::compile(c.pattern);
    ASSERT_TRUE(regex) << "not a PCRE2 pattern: " << c.pattern;
    bool differs = verdict == "E";
    std::string pcre;
    for (const auto& t : c.texts) pcre += *regex->matches(t) ? '1' : '0';
    if (!differs) differs = pcre != verdict;
    const auto issues = issues_of(c.pattern);
    const bool only_old_python =
        !issues.empty() && std::all_of(issues.begin(), issues.end(), [](const auto& i) {
          return i.kind == DialectIssueKind::kOldPythonRejects;
        });
    if (only_old_python && python >= 311) {
      EXPECT_FALSE(differs) << c.pattern << ": Python " << python << " should agree";
      continue;
    }
    EXPECT_EQ(!issues.empty(), differs) << c.pattern << "  PCRE " << pcre << "  Python " << verdict;
  }
}

}  // namespace
}  // namespace ivy
