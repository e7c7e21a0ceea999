#include "storage/reader.hpp"

#include <algorithm>
#include <filesystem>

#include "storage/file_query.hpp"
#include "storage/file_set.hpp"

namespace ivy::storage {

Result<Reader> Reader::open(const std::string& path) {
  if (!FileSet(path).files().empty()) return Reader(path, true);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return fail("no recording at " + path);
  }
  return Reader(path, false);
}

std::vector<std::string> Reader::files() const {
  if (!is_set_) return {path_};
  std::vector<std::string> out;
  for (auto& f : FileSet(path_).files()) out.push_back(std::move(f.path));
  return out;
}

Result<QueryResult> Reader::query(const QueryFilter& filter) const {
  auto text = TextFilter::compile(filter.text_regex);
  if (!text) return Unexpected<Error>{text.error()};
  const auto all = files();
  auto start = std::find(all.begin(), all.end(), filter.after.file);
  if (start == all.end()) start = all.begin();  // no cursor, or its file was retired
  QueryResult result;
  result.next = filter.after;
  for (auto it = start; it != all.end(); ++it) {
    const bool resume = *it == filter.after.file;
    QueryFilter f = filter;
    if (filter.limit != 0) f.limit = filter.limit - result.entries.size();
    auto file = FileQuery::open(*it);
    if (!file) return Unexpected<Error>{file.error()};
    auto entries = file->entries(f, *text, resume ? filter.after.message_id : 0,
                                 resume ? filter.after.event_id : 0);
    if (!entries) return Unexpected<Error>{entries.error()};
    if (!resume && !entries->empty()) result.next = Cursor{*it, 0, 0, {}};
    for (Entry& e : *entries) {
      auto& last = e.kind == EntryKind::kMsg ? result.next.message_id : result.next.event_id;
      last = e.id;
      result.entries.push_back(std::move(e));
    }
    if (filter.limit != 0 && result.entries.size() >= filter.limit) break;
  }
  return result;
}

Result<Summary> Reader::summary() const { return summarize(files()); }

Result<std::vector<SubscriptionUse>> Reader::subscriptions() const { return subscription_usage(files()); }

Result<std::vector<std::int64_t>> Reader::message_counts(std::int64_t from_ns, std::int64_t to_ns,
                                                         std::size_t buckets) const {
  std::vector<std::int64_t> counts(buckets, 0);
  if (buckets == 0 || to_ns <= from_ns) return counts;
  const std::int64_t span = to_ns - from_ns;
  for (const auto& path : files()) {
    auto file = FileQuery::open(path);
    if (!file) return Unexpected<Error>{file.error()};
    if (file->empty()) continue;
    // Message rows are never deleted, so ids are dense: the count between two
    // times is the difference of their first ids.
    auto previous = file->first_message_at(from_ns);
    if (!previous) return Unexpected<Error>{previous.error()};
    for (std::size_t b = 0; b < buckets; ++b) {
      const std::int64_t end =
          b + 1 == buckets ? to_ns
                           : from_ns + static_cast<std::int64_t>(static_cast<long double>(span) * (b + 1) / buckets);
      auto next = file->first_message_at(end);
      if (!next) return Unexpected<Error>{next.error()};
      counts[b] += *next - *previous;
      previous = next;
    }
  }
  return counts;
}

}  // namespace ivy::storage
