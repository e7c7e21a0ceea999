#include "core/backtracking_check.hpp"

#include <algorithm>
#include <deque>
#include <vector>

#include "core/position_automaton.hpp"
#include "core/regex.hpp"

namespace ivy {
namespace {

// v[i] for the int ids the graphs use.
template <class V>
decltype(auto) at(V& v, int i) {
  return v[static_cast<std::size_t>(i)];
}

// Work bound for the pair graph (pairs x edges): beyond it, no verdict.
constexpr std::size_t kMaxProductEdges = 4'000'000;
constexpr std::size_t kMaxExampleBytes = 2048;

struct ProductEdge {
  int to = 0;
  bool divergent = false;  // (q,q) -> (r,r) along two different ways
  unsigned char byte = 0;  // a byte both sides can read
};

// The automaton read twice in lock step: pair (p, q) is "one walk is at p,
// the other at q, after the same text". Pairs are numbered p * n + q.
class PairGraph {
 public:
  explicit PairGraph(const PositionAutomaton& a)
      : a_(a), n_(static_cast<int>(a.positions.size())) {}

  int size() const { return n_ * n_; }
  int pair(int p, int q) const { return p * n_ + q; }
  int left(int v) const { return v / n_; }
  int right(int v) const { return v % n_; }
  bool diagonal(int v) const { return left(v) == right(v); }
  bool exhausted() const { return work_ > kMaxProductEdges; }

  std::vector<ProductEdge> edges(int v) {
    std::vector<ProductEdge> out;
    const int p = left(v);
    const int q = right(v);
    for (const AutomatonEdge& e1 : at(a_.follow, p)) {
      for (const AutomatonEdge& e2 : at(a_.follow, q)) {
        ++work_;
        const ByteSet both = at(a_.positions, e1.to).bytes & at(a_.positions, e2.to).bytes;
        const auto byte = pick_byte(both);
        if (!byte) continue;
        out.push_back({pair(e1.to, e2.to), p == q && e1.to == e2.to && e1.ways > 1, *byte});
      }
    }
    return out;
  }

 private:
  const PositionAutomaton& a_;
  int n_;
  std::size_t work_ = 0;
};

// Tarjan's strongly connected components, iteratively, over the pairs
// reachable from diagonal ones. component[v] = -1 for pairs never reached.
std::vector<int> components(PairGraph& g) {
  const int size = g.size();
  std::vector<int> index(static_cast<std::size_t>(size), -1),
      low(static_cast<std::size_t>(size), 0);
  std::vector<int> component(static_cast<std::size_t>(size), -1);
  std::vector<char> on_stack(static_cast<std::size_t>(size), 0);
  std::vector<int> stack;
  struct Frame {
    int v;
    std::vector<ProductEdge> out;
    std::size_t next = 0;
  };
  int counter = 0;
  int components_found = 0;
  for (int root = 0; root < size && !g.exhausted(); ++root) {
    if (!g.diagonal(root) || at(index, root) >= 0) continue;
    std::vector<Frame> frames;
    auto open = [&](int v) {
      at(index, v) = at(low, v) = counter++;
      stack.push_back(v);
      at(on_stack, v) = 1;
      frames.push_back({v, g.edges(v)});
    };
    open(root);
    while (!frames.empty() && !g.exhausted()) {
      Frame& f = frames.back();
      const auto v = static_cast<std::size_t>(f.v);
      if (f.next < f.out.size()) {
        const int w = f.out[f.next++].to;
        if (at(index, w) < 0) {
          open(w);
        } else if (at(on_stack, w)) {
          low[v] = std::min(low[v], at(index, w));
        }
        continue;
      }
      if (low[v] == index[v]) {
        for (int w = -1; w != f.v;) {
          w = stack.back();
          stack.pop_back();
          at(on_stack, w) = 0;
          at(component, w) = components_found;
        }
        ++components_found;
      }
      const int child = f.v;
      frames.pop_back();
      if (!frames.empty()) {
        const auto parent = static_cast<std::size_t>(frames.back().v);
        low[parent] = std::min(low[parent], at(low, child));
      }
    }
  }
  return component;
}

// Shortest text from `from` to `to` inside one component (BFS).
std::optional<std::string> path_within(PairGraph& g, const std::vector<int>& component, int from,
                                       int to) {
  const int c = at(component, from);
  std::vector<int> parent(static_cast<std::size_t>(g.size()), -2);
  std::vector<unsigned char> via(static_cast<std::size_t>(g.size()), 0);
  std::deque<int> queue{from};
  at(parent, from) = -1;
  while (!queue.empty()) {
    const int v = queue.front();
    queue.pop_front();
    if (v == to) break;
    for (const ProductEdge& e : g.edges(v)) {
      const auto w = static_cast<std::size_t>(e.to);
      if (component[w] != c || parent[w] != -2) continue;
      parent[w] = v;
      via[w] = e.byte;
      queue.push_back(e.to);
    }
  }
  if (at(parent, to) == -2) return std::nullopt;
  std::string text;
  for (int v = to; v != from; v = at(parent, v)) text.push_back(static_cast<char>(at(via, v)));
  std::reverse(text.begin(), text.end());
  return text;
}

// Shortest text that brings the automaton to position p.
std::optional<std::string> prefix_to(const PositionAutomaton& a, int p) {
  const std::size_t n = a.positions.size();
  std::vector<int> parent(n, -2);
  std::deque<int> queue;
  for (int f : a.first) {
    if (at(parent, f) == -2) at(parent, f) = -1, queue.push_back(f);
  }
  while (!queue.empty() && at(parent, p) == -2) {
    const int v = queue.front();
    queue.pop_front();
    for (const AutomatonEdge& e : at(a.follow, v)) {
      if (at(parent, e.to) == -2) at(parent, e.to) = v, queue.push_back(e.to);
    }
  }
  if (at(parent, p) == -2) return std::nullopt;
  std::string text;
  for (int v = p; v != -1; v = at(parent, v)) {
    text.push_back(static_cast<char>(*pick_byte(at(a.positions, v).bytes)));
  }
  std::reverse(text.begin(), text.end());
  return text;
}

// True if, reading `text` from the start, the automaton ever reaches the end
// of the pattern: then the match succeeds and nothing backtracks.
bool ever_accepts(const PositionAutomaton& a, std::string_view text) {
  if (a.nullable) return true;
  std::vector<char> active(a.positions.size(), 0);
  std::vector<int> current;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    std::vector<int> next;
    std::fill(active.begin(), active.end(), 0);
    auto enter = [&](int q) {
      if (!at(active, q) && at(a.positions, q).bytes.test(byte)) {
        at(active, q) = 1;
        next.push_back(q);
      }
    };
    if (i == 0) {
      for (int f : a.first) enter(f);
    }
    for (int p : current) {
      for (const AutomatonEdge& e : at(a.follow, p)) enter(e.to);
    }
    for (int q : next) {
      if (at(a.last, q)) return true;
    }
    current = std::move(next);
    if (current.empty()) return false;
  }
  return false;
}

// A byte no position reads (the match cannot go on), preferring a readable one.
std::string failing_suffix(const PositionAutomaton& a) {
  ByteSet used;
  for (const auto& p : a.positions) used |= p.bytes;
  const auto byte = pick_byte(~used);
  return byte ? std::string(1, static_cast<char>(*byte)) : std::string();
}

// Runs the witness through PCRE2 with more and more repetitions; records the
// first text on which PCRE2 hits its match or depth limit (or the last tried).
void try_with_pcre2(std::string_view pattern, const PositionAutomaton& a, BacktrackingRisk& risk) {
  auto regex = Regex::compile(pattern);
  if (!regex) return;
  // Also with one byte of every item after the fail byte: PCRE2 skips the
  // search when a byte the pattern requires is missing from the text.
  std::string required;
  for (const auto& p : a.positions) required.push_back(static_cast<char>(*pick_byte(p.bytes)));
  for (const std::string& suffix : {risk.suffix, risk.suffix + required}) {
    for (std::size_t reps = 4;; reps *= 2) {
      std::string text = risk.prefix;
      for (std::size_t k = 0; k < reps; ++k) text += risk.pump;
      text += suffix;
      if (text.size() > kMaxExampleBytes) break;
      risk.example = text;
      if (!regex->matches(text).ok()) {
        risk.suffix = suffix;
        risk.pcre2_gives_up = true;
        return;
      }
    }
  }
  // Nothing gave up: show a short example.
  risk.example = risk.prefix + risk.pump + risk.pump + risk.pump + risk.pump + risk.suffix;
}

struct Candidate {
  int diagonal = -1;      // (q, q)
  int other = -1;         // a non-diagonal pair of the component, or
  ProductEdge divergent;  // a divergent edge from `divergent_from`
  int divergent_from = -1;
};

// Components where the two walks split and meet again at a diagonal pair,
// none of whose positions ends the pattern (reaching the end is a success,
// and only failing matches backtrack through every way).
std::vector<Candidate> candidates(PairGraph& g, const PositionAutomaton& a,
                                  const std::vector<int>& component) {
  std::vector<Candidate> by_component;
  std::vector<char> accepting;
  for (int v = 0; v < g.size(); ++v) {
    const int c = at(component, v);
    if (c < 0) continue;
    if (static_cast<std::size_t>(c) >= by_component.size()) {
      by_component.resize(static_cast<std::size_t>(c) + 1);
      accepting.resize(by_component.size(), 0);
    }
    Candidate& k = at(by_component, c);
    if (at(a.last, g.left(v)) || at(a.last, g.right(v))) at(accepting, c) = 1;
    if (g.diagonal(v)) {
      if (k.diagonal < 0) k.diagonal = v;
      for (const ProductEdge& e : g.edges(v)) {
        if (e.divergent && at(component, e.to) == c && k.divergent_from < 0) {
          k.divergent = e;
          k.divergent_from = v;
        }
      }
    } else if (k.other < 0) {
      k.other = v;
    }
  }
  std::vector<Candidate> out;
  for (std::size_t c = 0; c < by_component.size(); ++c) {
    const Candidate& k = by_component[c];
    if (k.diagonal >= 0 && (k.other >= 0 || k.divergent_from >= 0) && !accepting[c])
      out.push_back(k);
  }
  return out;
}

std::optional<std::string> pump_of(PairGraph& g, const std::vector<int>& component,
                                   const Candidate& k) {
  if (k.other >= 0) {
    auto there = path_within(g, component, k.diagonal, k.other);
    auto back = path_within(g, component, k.other, k.diagonal);
    if (!there || !back) return std::nullopt;
    return *there + *back;
  }
  auto there = path_within(g, component, k.diagonal, k.divergent_from);
  auto back = path_within(g, component, k.divergent.to, k.diagonal);
  if (!there || !back) return std::nullopt;
  return *there + static_cast<char>(k.divergent.byte) + *back;
}

}  // namespace

std::optional<BacktrackingRisk> find_exponential_backtracking(std::string_view pattern,
                                                              const RegexSyntax& syntax) {
  const auto automaton = PositionAutomaton::build(syntax);
  if (!automaton || automaton->positions.empty()) return std::nullopt;
  const PositionAutomaton& a = *automaton;
  PairGraph graph(a);
  const std::vector<int> component = components(graph);
  if (graph.exhausted()) return std::nullopt;
  for (const Candidate& k : candidates(graph, a, component)) {
    const int q = graph.left(k.diagonal);
    auto prefix = prefix_to(a, q);
    auto pump = pump_of(graph, component, k);
    if (!prefix || !pump || pump->empty()) continue;
    BacktrackingRisk risk;
    risk.prefix = *prefix;
    risk.pump = *pump;
    risk.suffix = failing_suffix(a);
    if (ever_accepts(a, risk.prefix + risk.pump + risk.pump + risk.suffix)) continue;
    const auto& position = at(a.positions, q);
    risk.offset = position.offset;
    risk.length = position.length;
    try_with_pcre2(pattern, a, risk);
    return risk;
  }
  return std::nullopt;
}

}  // namespace ivy
