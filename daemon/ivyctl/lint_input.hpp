#pragma once
// Where `ivyctl lint` gets the subscriptions it checks: the running daemon's
// "subscriptions" answer (daemon/service/daemon.hpp), or a recording through
// storage::RecordingReader (a local recording or a central store).

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/subscription_lint.hpp"
#include "storage/recording_reader.hpp"

namespace ivy::ctl {

// Parses the daemon's {"buses": [{"id", "peers": [{"name", "app_id",
// "subscriptions": [{"id", "pattern"}]}]}]}. A reply that is not such a
// document (an {"error": ...} from an older ivyd, garbage) is an error saying
// so. Pure.
Result<std::vector<LintSubscription>> subscriptions_from_daemon(std::string_view reply);

// Every subscription of the recording, with its deliveries.
Result<std::vector<LintSubscription>> subscriptions_from_recording(
    const storage::RecordingReader& reader);

}  // namespace ivy::ctl
