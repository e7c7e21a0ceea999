#pragma once
// MemoryCentralStore: the CentralStore fake for the shipper's unit tests.
// Keeps every file's rows in maps and, like the real store, refuses a row
// whose key it already has (so a test sees any duplicate) and a batch whose
// starting position is not the file's.
//
// Faults on demand: set_down() makes every call fail as an unreachable
// server does; lose_next_ack() stores the next batch but reports a lost
// connection (the COMMIT went through, its answer did not); fail_next_ship()
// refuses the next batch with a lost connection, storing nothing (the
// connection broke before the COMMIT).
//
// Thread: every member may be called from any thread.

#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "storage/central_store.hpp"

namespace ivy::storage {

class MemoryCentralStore final : public CentralStore {
 public:
  struct StoredFile {
    std::string site;
    std::string name;
    std::int64_t started_ns = 0;
    CentralFile state;
    std::map<std::int64_t, RecordingRow> recordings;
    std::map<std::int64_t, AgentRow> agents;
    std::map<std::int64_t, SubscriptionRow> subscriptions;
    std::map<std::int64_t, MessageRow> messages;
    std::vector<ReceiverRow> receivers;
    std::map<std::int64_t, EventRow> events;
    std::optional<RetiredFile> gap;
  };

  Status open() override;
  void close() override;
  void interrupt() override {}
  Result<CentralFile> file(const std::string& site, const std::string& name, std::int64_t started_ns) override;
  Result<std::set<std::string>> complete_files(const std::string& site) override;
  Status ship(std::int64_t file_id, const ShipPosition& from, const ShipBatch& batch,
              std::int64_t shipped_at_ns) override;
  Result<RetiredFile> retire(std::int64_t file_id, const JournalExtent& extent, std::int64_t noted_ns) override;

  void set_down(bool down);
  void lose_next_ack();
  void fail_next_ship();
  // A copy of what the store holds of `site`/`name` (nullopt: never seen).
  std::optional<StoredFile> stored(const std::string& site, const std::string& name) const;
  std::size_t message_count() const;
  int opens() const;

 private:
  Status check_up() const;
  static Status store_rows(StoredFile& file, const ShipBatch& batch);

  mutable std::mutex mutex_;
  std::map<std::int64_t, StoredFile> files_;
  bool down_ = false;
  bool connected_ = false;
  bool lose_ack_ = false;
  bool fail_ship_ = false;
  int opens_ = 0;
};

}  // namespace ivy::storage
