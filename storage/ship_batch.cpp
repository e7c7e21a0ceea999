#include "storage/ship_batch.hpp"

namespace ivy::storage {
namespace {

// Rows that are closed leave the open set; the others (re)enter it.
template <class Row, class IsOpen>
void track(std::map<std::int64_t, Row>& open, const std::vector<Row>& rows, IsOpen is_open) {
  for (const Row& row : rows) {
    if (is_open(row)) open[row.id] = row;
    else open.erase(row.id);
  }
}

}  // namespace

void CentralFile::apply(const ShipBatch& batch) {
  position = batch.to;
  if (batch.completes_file) complete = true;
  if (batch.last_row_ns > last_row_ns) last_row_ns = batch.last_row_ns;
  const auto recording_open = [](const RecordingRow& r) { return !r.stopped_ns; };
  const auto agent_open = [](const AgentRow& a) { return !a.left_ns; };
  const auto subscription_open = [](const SubscriptionRow& s) { return !s.removed_ns; };
  track(open_recordings, batch.recordings, recording_open);
  track(open_recordings, batch.recording_updates, recording_open);
  track(open_agents, batch.agents, agent_open);
  track(open_agents, batch.agent_updates, agent_open);
  track(open_subscriptions, batch.subscriptions, subscription_open);
  track(open_subscriptions, batch.subscription_updates, subscription_open);
}

}  // namespace ivy::storage
