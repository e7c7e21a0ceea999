// ivyctl replay: re-emit recorded messages onto a bus with their original
// timing (scaled by --speed), as one agent or as each original sender.
#include <unistd.h>

#include <csignal>
#include <deque>
#include <iostream>
#include <map>

#include "core/bus_spec.hpp"
#include "daemon/agent/agent.hpp"
#include "daemon/ivyctl/command_args.hpp"
#include "daemon/ivyctl/commands.hpp"
#include "daemon/ivyctl/ctl_matchers.hpp"
#include "daemon/ivyctl/filter_options.hpp"
#include "storage/recording_reader.hpp"

namespace po = boost::program_options;

namespace ivy::ctl {
namespace {

using daemon::Agent;
using Clock = std::chrono::steady_clock;
constexpr std::size_t kPageRows = 2000;

// Recorded messages, read a page at a time.
class MessageFeed {
 public:
  MessageFeed(const storage::RecordingReader& reader, storage::QueryFilter filter) : reader_(reader), filter_(std::move(filter)) {
    filter_.kinds = storage::kind_bit(storage::EntryKind::kMsg);
    limit_ = filter_.limit;
  }
  // The next message, or nullopt at the end (or on a read error: error()).
  std::optional<storage::Entry> next() {
    if (buffer_.empty() && !done_) refill();
    if (buffer_.empty()) return std::nullopt;
    auto e = std::move(buffer_.front());
    buffer_.pop_front();
    return e;
  }
  const std::string& error() const { return error_; }

 private:
  void refill() {
    filter_.limit = limit_ ? std::min(kPageRows, limit_ - taken_) : kPageRows;
    if (filter_.limit == 0) {
      done_ = true;
      return;
    }
    auto page = reader_.query(filter_);
    if (!page) {
      error_ = page.error().message;
      done_ = true;
      return;
    }
    taken_ += page->entries.size();
    done_ = page->entries.size() < filter_.limit;
    filter_.after = page->next;
    for (auto& e : page->entries) buffer_.push_back(std::move(e));
  }

  const storage::RecordingReader& reader_;
  storage::QueryFilter filter_;
  std::deque<storage::Entry> buffer_;
  std::size_t limit_ = 0;
  std::size_t taken_ = 0;
  bool done_ = false;
  std::string error_;
};

struct ReplayOptions {
  FilterOptions filter;
  std::string from;
  std::string to;
  std::string bus;
  double speed = 1.0;
  std::string as = "ivyctl-replay";
  bool as_original = false;
  double wait_s = 1.0;
};

class Replay {
 public:
  Replay(daemon::asio::io_context& io, const ReplayOptions& options, const BusSpec& spec, MessageFeed& feed,
         daemon::Logger& log)
      : io_(io), options_(options), spec_(spec), feed_(feed), log_(log), matchers_(log), timer_(io) {
    progress_ = ::isatty(STDERR_FILENO);
  }

  Status add_agent(const std::string& name) {
    daemon::AgentOptions o;
    o.name = name;
    o.bus = spec_;
    auto agent = std::make_unique<Agent>(io_, o, matchers_.make(), log_);
    if (auto st = agent->start(); !st) return st;
    agents_.emplace(name, std::move(agent));
    return {};
  }

  void begin() {
    if (options_.wait_s <= 0) return daemon::asio::post(io_, [this] { step(); });
    timer_.expires_after(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options_.wait_s)));
    timer_.async_wait([this](const daemon::error_code& ec) {
      if (!ec) step();
    });
  }

  void stop() {
    if (stopping_) return;
    stopping_ = true;
    timer_.cancel();
    if (progress_) std::cerr << "\n";
    // --as-original with nothing selected has no agent whose stop() would
    // end the loop (the signal_set keeps io.run() going).
    if (agents_.empty()) return io_.stop();
    auto remaining = std::make_shared<std::size_t>(agents_.size());
    for (auto& [name, agent] : agents_) {
      agent->stop([this, remaining] {
        if (--*remaining == 0) io_.stop();
      });
    }
  }

  std::uint64_t sent() const { return sent_; }
  std::uint64_t frames() const { return frames_; }
  std::uint64_t refused() const { return refused_; }

 private:
  Agent& agent_for(const storage::Entry& e) {
    if (!options_.as_original) return *agents_.begin()->second;
    return *agents_.at("replay:" + (e.agent.name.empty() ? std::string("unknown") : e.agent.name));
  }

  void emit(const storage::Entry& e) {
    auto frames = agent_for(e).send(e.text);
    if (frames) {
      ++sent_;
      frames_ += *frames;
    } else {
      ++refused_;
    }
    if (progress_ && sent_ % 100 == 0) std::cerr << "\rreplayed " << sent_ << " messages" << std::flush;
  }

  // Emits every message that is due, then sleeps until the next one.
  void step() {
    if (stopping_) return;
    for (;;) {
      if (!pending_) pending_ = feed_.next();
      if (!pending_) return stop();
      if (!first_ns_) {
        first_ns_ = pending_->wall_ns;
        start_ = Clock::now();
      }
      const auto due = due_time(pending_->wall_ns);
      if (due > Clock::now()) {
        timer_.expires_at(due);
        timer_.async_wait([this](const daemon::error_code& ec) {
          if (!ec) step();
        });
        return;
      }
      emit(*pending_);
      pending_.reset();
      if (options_.speed <= 0 && sent_ % 64 == 0) {
        // As fast as possible, but let the sockets drain between bursts.
        daemon::asio::post(io_, [this] { step(); });
        return;
      }
    }
  }

  Clock::time_point due_time(std::int64_t wall_ns) const {
    if (options_.speed <= 0) return start_;
    const double offset_s = static_cast<double>(wall_ns - *first_ns_) / 1e9 / options_.speed;
    return start_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(std::max(0.0, offset_s)));
  }

  daemon::asio::io_context& io_;
  const ReplayOptions& options_;
  BusSpec spec_;
  MessageFeed& feed_;
  daemon::Logger& log_;
  CtlMatchers matchers_;  // Hyperscan, with the user's database cache
  daemon::asio::steady_timer timer_;
  std::map<std::string, std::unique_ptr<Agent>> agents_;
  std::optional<storage::Entry> pending_;
  std::optional<std::int64_t> first_ns_;
  Clock::time_point start_;
  std::uint64_t sent_ = 0;
  std::uint64_t frames_ = 0;
  std::uint64_t refused_ = 0;
  bool stopping_ = false;
  bool progress_ = false;
};

bool parse_replay_options(int argc, char** argv, ReplayOptions& o, int& exit_code) {
  po::options_description desc(
      "usage: ivyctl replay [OPTIONS]\n\n"
      "Re-emits recorded messages (of a local recording or a central store) onto a\n"
      "bus with their original timing scaled by\n"
      "--speed, as one agent (--as) or impersonating each original sender as\n"
      "'replay:<name>' (--as-original). Peers receive them exactly as if sent live\n"
      "(they are matched against the peers' current subscriptions). Ctrl-C stops\n"
      "cleanly.\n\nOptions");
  desc.add_options()("help,h", "show this help and exit")(
      "bus,b", po::value(&o.bus)->value_name("BUS"), "bus to replay onto; default: $IVYBUS, $IVY_BUS, 127.255.255.255:2010")(
      "speed", po::value(&o.speed)->default_value(1.0), "time scale: 2 = twice as fast, 0 = as fast as possible")(
      "from", po::value(&o.from)->value_name("T"), "first message time (same forms as query --since)")(
      "to", po::value(&o.to)->value_name("T"), "replay up to this time")(
      "as", po::value(&o.as)->default_value("ivyctl-replay"), "agent name to send as")(
      "as-original", po::bool_switch(&o.as_original), "one agent per original sender, named replay:<name>")(
      "wait", po::value(&o.wait_s)->default_value(1.0), "seconds to wait for peers to connect before replaying");
  po::options_description filters("Selection");
  add_location_options(filters, o.filter);
  filters.add_options()(
      "agent", po::value(&o.filter.agent)->value_name("NAME"), "only messages sent by NAME")(
      "match", po::value(&o.filter.match)->value_name("REGEXP"), "only texts matching REGEXP")(
      "limit", po::value(&o.filter.limit)->value_name("N"), "at most N messages");
  desc.add(filters);
  po::variables_map vm;
  const CommandSpec spec{"replay", &desc, nullptr, nullptr,
                         "Exit status: 0 success, 1 the recording or the bus is unavailable, 2 bad usage.\n"};
  if (!parse_command_args(spec, argc, argv, vm, exit_code)) return false;
  if (vm.count("as") && !vm["as"].defaulted() && o.as_original) {
    std::cerr << "ivyctl replay: --as and --as-original exclude each other\n";
    exit_code = kExitUsage;
    return false;
  }
  if (o.speed < 0 || o.wait_s < 0) {
    std::cerr << "ivyctl replay: --speed and --wait must not be negative\n";
    exit_code = kExitUsage;
    return false;
  }
  o.filter.since = o.from;
  o.filter.until = o.to;
  o.filter.kind = "msg";
  return true;
}

// Names of the senders of the selected messages (for --as-original).
Result<std::vector<std::string>> sender_names(const storage::RecordingReader& reader, const storage::QueryFilter& filter) {
  MessageFeed feed(reader, filter);
  std::set<std::string> names;
  while (auto e = feed.next()) names.insert("replay:" + (e->agent.name.empty() ? std::string("unknown") : e->agent.name));
  if (!feed.error().empty()) return fail(feed.error());
  return std::vector<std::string>(names.begin(), names.end());
}

}  // namespace

int run_replay(int argc, char** argv) {
  ReplayOptions o;
  int exit_code = kExitOk;
  if (!parse_replay_options(argc, argv, o, exit_code)) return exit_code;
  auto filter = build_filter(o.filter, wall_now_ns());
  if (!filter) {
    std::cerr << "ivyctl replay: " << filter.error().message << "\n";
    return kExitUsage;
  }
  const std::string bus_text = resolve_bus_text(o.bus, std::getenv("IVYBUS"), std::getenv("IVY_BUS"));
  std::vector<std::string> errors;
  auto spec = parse_bus_spec(bus_text, &errors);
  if (!spec) {
    std::cerr << "ivyctl replay: bad bus '" << bus_text << "': " << (errors.empty() ? "" : errors.front()) << "\n";
    return kExitUsage;
  }
  bool usage = false;
  auto opened = open_reader("replay", o.filter, usage);
  if (!opened) {
    std::cerr << opened.error().message << "\n";
    return usage ? kExitUsage : kExitFailure;
  }
  const storage::RecordingReader* reader = opened->get();
  std::vector<std::string> names{o.as};
  if (o.as_original) {
    auto senders = sender_names(*reader, *filter);
    if (!senders) {
      std::cerr << "ivyctl replay: " << senders.error().message << "\n";
      return kExitFailure;
    }
    names = std::move(*senders);
  }
  daemon::Logger log(daemon::LogLevel::kWarning, daemon::Logger::Style::kPlain);
  daemon::asio::io_context io;
  MessageFeed feed(*reader, *filter);
  Replay replay(io, o, *spec, feed, log);
  for (const auto& name : names) {
    if (auto st = replay.add_agent(name); !st) {
      std::cerr << "ivyctl replay: " << st.error().message << "\n";
      return kExitFailure;
    }
  }
  daemon::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const daemon::error_code& ec, int) {
    if (!ec) replay.stop();
  });
  replay.begin();
  io.run();
  std::cerr << "replayed " << replay.sent() << " messages (" << replay.frames() << " frames) onto " << spec->to_string();
  if (replay.refused()) std::cerr << ", " << replay.refused() << " not sendable";
  std::cerr << "\n";
  if (!feed.error().empty()) {
    std::cerr << "ivyctl replay: " << feed.error() << "\n";
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace ivy::ctl
