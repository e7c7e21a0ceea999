#pragma once
// TrafficBinner: what `ivyctl plot` draws, gathered from a recording read
// once in time order: message counts over time per sender and per message
// class (the text's first word), joins and leaves, and gaps (records lost).
//
// Memory is bounded whatever the recording's length: counts go into at most
// kMaxFineBins time bins per series, which widen (1, 5, 10, 50, 100 ... ms,
// neighbours merged) when the data spans more; at most `max_series` distinct senders
// and classes are told apart, later newcomers count as "(others)"; marks
// and gaps are kept up to a cap and counted beyond it. finish() then merges
// the fine bins into about the number of bins the picture wants and keeps
// the busiest series.
//
// Pure: times are the recording's wall_ns; nothing reads a clock.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ivy::ctl {

struct NamedCounts {
  std::string name;
  std::vector<std::int64_t> counts;  // per bin
  std::int64_t total = 0;
};

struct TrafficMark {
  std::int64_t wall_ns = 0;
  std::string agent;
  bool joined = true;
};

struct TrafficGap {
  std::int64_t from_ns = 0;
  std::int64_t to_ns = 0;
  std::int64_t lost = 0;
};

struct TrafficSeries {
  std::int64_t start_ns = 0;  // start of the first bin
  std::int64_t bin_ns = 0;    // width of every bin
  std::size_t bins = 0;
  std::vector<NamedCounts> senders;  // busiest first; "(others)" last if any
  std::vector<NamedCounts> classes;
  std::vector<std::int64_t> joins;   // per bin
  std::vector<std::int64_t> leaves;  // per bin
  std::vector<TrafficMark> marks;    // the first ones, in time order, for labels
  std::size_t mark_count = 0;        // all of them
  std::vector<TrafficGap> gaps;
  std::int64_t messages = 0;

  std::int64_t end_ns() const { return start_ns + bin_ns * static_cast<std::int64_t>(bins); }
};

// The class of a message: its first word (up to the first space), at most 32
// bytes; "(empty)" for an empty text.
std::string message_class(std::string_view text);

class TrafficBinner {
 public:
  static constexpr std::size_t kMaxFineBins = 4096;
  static constexpr std::size_t kMaxMarks = 10000;
  static constexpr std::size_t kMaxGaps = 1000;

  explicit TrafficBinner(std::size_t max_series = 200);

  void add_message(std::int64_t wall_ns, std::string_view sender, std::string_view text);
  void add_mark(std::int64_t wall_ns, std::string_view agent, bool joined);
  void add_gap(std::int64_t from_ns, std::int64_t to_ns, std::int64_t lost);

  bool empty() const { return messages_ == 0 && mark_count_ == 0; }

  // At most `target_bins` bins (at least 1) over the data's time span, as
  // few as that allows, of a width from the 1-2-5 series (1 s, 2 s, 5 s ...)
  // and aligned on multiples of it; the `top` busiest senders and classes
  // (the rest summed as "(others)").
  TrafficSeries finish(std::size_t target_bins, std::size_t top) const;

 private:
  struct Family {
    std::unordered_map<std::string, std::size_t> index;
    std::vector<NamedCounts> series;
  };

  std::size_t bin_of(std::int64_t wall_ns);  // grows or coarsens the bins as needed
  void count(Family& family, std::string_view name, std::size_t bin);
  void resize_all(std::size_t front, std::size_t back);
  void coarsen();
  struct Grouping;  // how finish() merges fine bins
  std::vector<NamedCounts> top_of(const Family& family, const Grouping& grouping,
                                  std::size_t top) const;

  std::size_t max_series_;
  std::int64_t origin_ns_ = 0;  // start of fine bin 0, a multiple of res_ns_
  std::int64_t res_ns_ = 1'000'000;
  std::size_t size_ = 0;  // fine bins in use
  std::int64_t first_ns_ = 0;
  std::int64_t last_ns_ = 0;
  Family senders_;
  Family classes_;
  NamedCounts joins_;
  NamedCounts leaves_;
  std::vector<TrafficMark> marks_;
  std::size_t mark_count_ = 0;
  std::vector<TrafficGap> gaps_;
  std::int64_t messages_ = 0;
};

}  // namespace ivy::ctl
