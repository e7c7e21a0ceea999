#include "daemon/ivyctl/traffic_series.hpp"

#include <algorithm>

namespace ivy::ctl {
namespace {

constexpr std::size_t kMaxClassBytes = 32;
constexpr const char* kOthers = "(others)";

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// Bin widths step 1, 5, 10, 50, 100 ... ms (x5, then x2), and finish()
// groups 1, 2, 5, 10, 20 ... of them: the widths people read easily.
std::int64_t next_factor(std::int64_t res_ms) {
  while (res_ms % 10 == 0) res_ms /= 10;
  return res_ms == 1 ? 5 : 2;
}

// The smallest group of fine bins, at least n, that keeps the width nice:
// 1, 2, 5 x 10^k groups of a 1 x 10^j ms bin; 1, 2, 4 x 10^k of a 5 x 10^j.
std::size_t nice_at_least(std::size_t n, std::int64_t res_ns) {
  const bool fives = next_factor(res_ns / 1'000'000) == 2;
  for (std::size_t decade = 1;; decade *= 10) {
    for (std::size_t step : {std::size_t{1}, std::size_t{2}, std::size_t{fives ? 4u : 5u}}) {
      if (step * decade >= n) return step * decade;
    }
  }
}

}  // namespace

std::string message_class(std::string_view text) {
  const std::string_view word = text.substr(0, text.find(' '));
  if (word.empty()) return "(empty)";
  return std::string(word.substr(0, kMaxClassBytes));
}

// Groups of `merge` fine bins, aligned on multiples of the group width:
// fine bin i (absolute index base + i) goes to group (base + i) / merge.
struct TrafficBinner::Grouping {
  std::size_t first;  // fine bins first..last
  std::size_t last;
  std::size_t merge;
  std::int64_t base;  // absolute index of fine bin 0 (origin / res)

  std::size_t groups() const { return index(last) + 1; }
  std::size_t index(std::size_t i) const {
    return static_cast<std::size_t>(
        (base + static_cast<std::int64_t>(i)) / static_cast<std::int64_t>(merge) -
        (base + static_cast<std::int64_t>(first)) / static_cast<std::int64_t>(merge));
  }
  std::vector<std::int64_t> apply(const std::vector<std::int64_t>& counts) const {
    std::vector<std::int64_t> out(groups(), 0);
    for (std::size_t i = first; i <= last; ++i) out[index(i)] += counts[i];
    return out;
  }
};

TrafficBinner::TrafficBinner(std::size_t max_series) : max_series_(max_series) {}

void TrafficBinner::resize_all(std::size_t front, std::size_t back) {
  auto grow = [&](std::vector<std::int64_t>& c) {
    c.insert(c.begin(), front, 0);
    c.resize(c.size() + back, 0);
  };
  for (Family* f : {&senders_, &classes_}) {
    for (auto& s : f->series) grow(s.counts);
  }
  grow(joins_.counts);
  grow(leaves_.counts);
}

// Wider bins (x5 or x2), still aligned on multiples of their width.
void TrafficBinner::coarsen() {
  const std::int64_t factor = next_factor(res_ns_ / 1'000'000);
  const std::int64_t res = res_ns_ * factor;
  const std::int64_t origin = floor_div(origin_ns_, res) * res;
  const auto shift = static_cast<std::size_t>((origin_ns_ - origin) / res_ns_);
  const auto f = static_cast<std::size_t>(factor);
  const std::size_t size = (shift + size_ + f - 1) / f;
  auto fold = [&](std::vector<std::int64_t>& c) {
    std::vector<std::int64_t> out(size, 0);
    for (std::size_t i = 0; i < c.size(); ++i) out[(i + shift) / f] += c[i];
    c = std::move(out);
  };
  for (Family* f : {&senders_, &classes_}) {
    for (auto& s : f->series) fold(s.counts);
  }
  fold(joins_.counts);
  fold(leaves_.counts);
  res_ns_ = res;
  origin_ns_ = origin;
  size_ = size;
}

std::size_t TrafficBinner::bin_of(std::int64_t t) {
  if (size_ == 0) {
    origin_ns_ = floor_div(t, res_ns_) * res_ns_;
    size_ = 1;
    resize_all(0, 1);
    first_ns_ = last_ns_ = t;
  }
  first_ns_ = std::min(first_ns_, t);
  last_ns_ = std::max(last_ns_, t);
  if (t < origin_ns_) {
    const auto need = static_cast<std::size_t>((origin_ns_ - t + res_ns_ - 1) / res_ns_);
    resize_all(need, 0);
    origin_ns_ -= static_cast<std::int64_t>(need) * res_ns_;
    size_ += need;
  } else if (t >= origin_ns_ + static_cast<std::int64_t>(size_) * res_ns_) {
    const auto need = static_cast<std::size_t>((t - origin_ns_) / res_ns_) + 1 - size_;
    resize_all(0, need);
    size_ += need;
  }
  while (size_ > kMaxFineBins) coarsen();
  return static_cast<std::size_t>((t - origin_ns_) / res_ns_);
}

void TrafficBinner::count(Family& family, std::string_view name, std::size_t bin) {
  auto it = family.index.find(std::string(name));
  if (it == family.index.end()) {
    const std::string key = family.series.size() < max_series_ ? std::string(name) : kOthers;
    it = family.index.find(key);
    if (it == family.index.end()) {
      it = family.index.emplace(key, family.series.size()).first;
      family.series.push_back(NamedCounts{key, std::vector<std::int64_t>(size_, 0), 0});
    }
  }
  NamedCounts& s = family.series[it->second];
  ++s.counts[bin];
  ++s.total;
}

void TrafficBinner::add_message(std::int64_t wall_ns, std::string_view sender,
                                std::string_view text) {
  const std::size_t bin = bin_of(wall_ns);
  count(senders_, sender.empty() ? std::string_view("?") : sender, bin);
  count(classes_, message_class(text), bin);
  ++messages_;
}

void TrafficBinner::add_mark(std::int64_t wall_ns, std::string_view agent, bool joined) {
  const std::size_t bin = bin_of(wall_ns);
  ++(joined ? joins_ : leaves_).counts[bin];
  if (marks_.size() < kMaxMarks) marks_.push_back(TrafficMark{wall_ns, std::string(agent), joined});
  ++mark_count_;
}

void TrafficBinner::add_gap(std::int64_t from_ns, std::int64_t to_ns, std::int64_t lost) {
  if (to_ns < from_ns) std::swap(from_ns, to_ns);
  bin_of(from_ns);
  bin_of(to_ns);
  if (gaps_.size() < kMaxGaps) gaps_.push_back(TrafficGap{from_ns, to_ns, lost});
}

std::vector<NamedCounts> TrafficBinner::top_of(const Family& family, const Grouping& grouping,
                                               std::size_t top) const {
  std::vector<const NamedCounts*> order;
  for (const auto& s : family.series) {
    if (s.name != kOthers) order.push_back(&s);
  }
  std::sort(order.begin(), order.end(), [](const NamedCounts* a, const NamedCounts* b) {
    return a->total != b->total ? a->total > b->total : a->name < b->name;
  });
  std::vector<NamedCounts> out;
  NamedCounts others{kOthers, std::vector<std::int64_t>(grouping.groups(), 0), 0};
  auto add_to_others = [&](const NamedCounts& s) {
    const auto m = grouping.apply(s.counts);
    for (std::size_t i = 0; i < m.size(); ++i) others.counts[i] += m[i];
    others.total += s.total;
  };
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (i < top) {
      out.push_back(NamedCounts{order[i]->name, grouping.apply(order[i]->counts), order[i]->total});
    } else {
      add_to_others(*order[i]);
    }
  }
  if (auto it = family.index.find(kOthers); it != family.index.end())
    add_to_others(family.series[it->second]);
  if (others.total > 0) out.push_back(std::move(others));
  return out;
}

TrafficSeries TrafficBinner::finish(std::size_t target_bins, std::size_t top) const {
  TrafficSeries out;
  if (size_ == 0) return out;
  Grouping g;
  g.first = static_cast<std::size_t>((first_ns_ - origin_ns_) / res_ns_);
  g.last = static_cast<std::size_t>((last_ns_ - origin_ns_) / res_ns_);
  g.base = origin_ns_ / res_ns_;
  const std::size_t target = std::max<std::size_t>(target_bins, 1);
  // The smallest nice group whose bins, aligned, number at most `target`.
  for (g.merge = nice_at_least((g.last - g.first + target) / target, res_ns_);
       g.groups() > target;) {
    g.merge = nice_at_least(g.merge + 1, res_ns_);
  }
  const auto merge = static_cast<std::int64_t>(g.merge);
  out.bin_ns = res_ns_ * merge;
  out.start_ns = floor_div(g.base + static_cast<std::int64_t>(g.first), merge) * merge * res_ns_;
  out.bins = g.groups();
  out.senders = top_of(senders_, g, top);
  out.classes = top_of(classes_, g, top);
  out.joins = g.apply(joins_.counts);
  out.leaves = g.apply(leaves_.counts);
  out.marks = marks_;
  out.mark_count = mark_count_;
  out.gaps = gaps_;
  out.messages = messages_;
  return out;
}

}  // namespace ivy::ctl
