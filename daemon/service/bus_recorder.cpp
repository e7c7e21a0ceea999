#include "daemon/service/bus_recorder.hpp"

#include <chrono>

namespace ivy::daemon {
namespace {

storage::LeaveHow leave_how(CloseReason reason) {
  switch (reason) {
    case CloseReason::kBye: return storage::LeaveHow::kBye;
    case CloseReason::kEof: return storage::LeaveHow::kEof;
    case CloseReason::kReset: return storage::LeaveHow::kReset;
    case CloseReason::kTimeout: return storage::LeaveHow::kTimeout;
    case CloseReason::kLocal: return storage::LeaveHow::kShutdown;
    case CloseReason::kStalled: return storage::LeaveHow::kStalled;
    case CloseReason::kDuplicate:
    case CloseReason::kError: return storage::LeaveHow::kError;
  }
  return storage::LeaveHow::kError;
}

}  // namespace

storage::Stamp now_stamp() {
  using namespace std::chrono;
  return {duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count(),
          duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count()};
}

BusRecorder::BusRecorder(Agent& agent, std::string bus_id, storage::RecordSink& sink, int tap_id)
    : agent_(agent), bus_id_(std::move(bus_id)), sink_(sink), tap_id_(tap_id) {}

BusRecorder::~BusRecorder() = default;

void BusRecorder::stop() {
  flush_drops();
  stopped_ = true;  // the links' own closes, which follow, are not recorded again
  for (const PeerKey key : joined_) {
    sink_.try_append(storage::AgentEvent{now_stamp(), storage::AgentChange::kLeft, {key, {}, {}, {}, 0, bus_id_},
                                         storage::LeaveHow::kShutdown});
  }
  joined_.clear();
}

void BusRecorder::append(storage::Record record) {
  if (!stopped_) sink_.try_append(std::move(record));
}

void BusRecorder::join(PeerKey key, const PeerIdentity& who) {
  joined_.insert(key);
  append(storage::AgentEvent{now_stamp(), storage::AgentChange::kJoined,
                             {key, who.app_id, who.name, who.host.empty() ? who.ip : who.host, who.port, bus_id_},
                             storage::LeaveHow::kNone});
}

// Subscriptions arrive before END_REGEXP: the agent row must exist first.
void BusRecorder::ensure_joined(PeerKey key, const PeerIdentity& who) {
  if (!joined_.count(key)) join(key, who);
}

void BusRecorder::on_connected(PeerKey key, const PeerIdentity& who) {
  // START_REGEXP (name, port) precedes the subscriptions that may already
  // have recorded the join, so the identity recorded then is complete.
  ensure_joined(key, who);
}

void BusRecorder::on_disconnected(PeerKey key, const PeerIdentity& who, CloseReason reason) {
  ensure_joined(key, who);
  if (auto span = drops_.take(key)) record_drops(*span);
  joined_.erase(key);
  append(storage::AgentEvent{now_stamp(), storage::AgentChange::kLeft, {key, {}, {}, {}, 0, bus_id_},
                             leave_how(reason)});
}

void BusRecorder::on_subscription_added(PeerKey key, const PeerIdentity& who, int id, const std::string& pattern) {
  ensure_joined(key, who);
  append(storage::SubscriptionEvent{now_stamp(), storage::SubscriptionChange::kAdded, key, id, pattern});
}

void BusRecorder::on_subscription_removed(PeerKey key, const PeerIdentity& who, int id, const std::string&) {
  ensure_joined(key, who);
  append(storage::SubscriptionEvent{now_stamp(), storage::SubscriptionChange::kRemoved, key, id, {}});
}

void BusRecorder::on_message(PeerKey key, const PeerIdentity& who, int our_id, const std::vector<std::string>& args) {
  if (our_id != tap_id_ || args.empty()) return;
  ensure_joined(key, who);
  storage::MessageRecord record;
  record.at = now_stamp();
  record.sender = key;
  record.text = args.front();
  refs_.clear();
  agent_.receivers_of(record.text, key, refs_);
  record.receivers.reserve(refs_.size());
  for (const auto& ref : refs_) record.receivers.push_back({ref.peer, ref.regexp_id});
  ++messages_;
  append(std::move(record));
}

void BusRecorder::on_own_message(std::string text, storage::Origin origin) {
  storage::MessageRecord record;
  record.at = now_stamp();
  record.sender = storage::kSelfKey;
  refs_.clear();
  agent_.receivers_of(text, storage::kSelfKey, refs_);
  record.receivers.reserve(refs_.size());
  for (const auto& ref : refs_) record.receivers.push_back({ref.peer, ref.regexp_id});
  record.text = std::move(text);
  record.origin = std::move(origin);
  ++messages_;
  append(std::move(record));
}

void BusRecorder::on_direct(PeerKey key, const PeerIdentity& who, int id, const std::string& text) {
  ensure_joined(key, who);
  append(storage::DirectRecord{now_stamp(), key, id, text});
}

void BusRecorder::on_die(PeerKey key, const PeerIdentity& who, int id, DiePolicy) {
  ensure_joined(key, who);
  append(storage::ControlRecord{now_stamp(), storage::ControlKind::kDie, key, id, {}});
}

void BusRecorder::on_peer_error(PeerKey key, const PeerIdentity& who, int id, const std::string& text) {
  ensure_joined(key, who);
  append(storage::ControlRecord{now_stamp(), storage::ControlKind::kError, key, id, text});
}

void BusRecorder::on_frame_dropped(PeerKey key, const PeerIdentity&) {
  if (auto span = drops_.add(key, now_stamp())) record_drops(*span);
}

void BusRecorder::on_queue_drained(PeerKey key, const PeerIdentity&) {
  if (auto span = drops_.take(key)) record_drops(*span);
}

void BusRecorder::tick() {
  if (drops_.empty()) return;
  for (const auto& span : drops_.take_due(now_stamp())) record_drops(span);
}

void BusRecorder::flush_drops() {
  for (const auto& span : drops_.take_all()) record_drops(span);
}

// A drop can come before anything else was recorded about the peer (its
// handshake is still on the way): join it first, with what the agent knows.
void BusRecorder::record_drops(const storage::DeliveryDropRecord& span) {
  if (!joined_.count(span.agent)) {
    if (auto info = agent_.peer(span.agent)) join(span.agent, info->identity);
  }
  append(span);
}

}  // namespace ivy::daemon
