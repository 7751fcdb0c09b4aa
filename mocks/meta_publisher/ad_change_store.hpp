#pragma once
// meta-publisher's tables (pending_ad_changes, ad_change_history, ad_change_dead_letters; see
// mocks/schema/0004 and 0201). A change id lives in exactly one of the three. Every method is one
// short transaction on a pooled connection.
//
// Claims are leases: FOR UPDATE SKIP LOCKED picks a due row whose lease is free or expired, and
// sets locked_by/locked_until; every later write is conditional on still holding the lease.
// Claims take turns on one advisory lock, so a campaign never has two changes leased at once. The
// final move to history (or to the dead letters) deletes the pending row in the same transaction,
// under a per-change advisory lock that enqueue also takes, so a change is recorded once even
// when a client re-submits it while it is being applied.
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "gauntlet/pg/connection_pool.hpp"

namespace gauntlet::mocks {

struct AdChangeRequest {
  std::string change_id;  // a UUID; "" lets the database pick one
  std::int64_t campaign_id = 0;
  std::string change_type;  // budget | status | bid | creative
  nlohmann::json payload;
  std::optional<std::int64_t> requested_by;

  // From a POST body (`header_key`: the Idempotency-Key header, used as change_id when the body
  // has none). Validates per type: budget {daily_budget_cents >= 100}; status {status: active |
  // paused | archived}; bid {object_id, bid_amount >= 1}; creative {object_id, creative: object}.
  // Throws ConfigError listing every problem.
  static AdChangeRequest from_json(const nlohmann::json& body, std::string_view header_key);
};

struct AdChangeEnqueued {
  std::string id;
  bool created = false;  // false: the id was known (same change re-submitted)
  std::string state;     // pending | applied | dead_letter
};

struct ClaimedChange {
  std::string id;
  std::int64_t campaign_id = 0;
  std::string ad_account_id;
  std::string change_type;
  nlohmann::json payload;
  int attempts = 0;  // including this one
  std::optional<std::int64_t> requested_by;
  std::string meta_campaign_id;  // "" when the campaign is not published to Meta
  std::int64_t current_budget_cents = 0;
};

struct AppliedChange {
  nlohmann::json applied_payload;  // the parameters sent to Meta
  nlohmann::json meta_response;
  std::optional<std::int64_t> new_budget_cents;  // the campaign's budget is now this
  std::string new_campaign_status;               // "" unless the campaign's status changed
  // A capped budget step: enqueue a follow-up change towards this target after continue_after.
  std::optional<std::int64_t> continue_to_cents;
  std::chrono::milliseconds continue_after{0};
};

enum class FailureResult { kRetrying, kDeadLettered, kLeaseLost };

class AdChangeStore {
 public:
  explicit AdChangeStore(ConnectionPool& pool) : pool_(pool) {}

  // Throws HttpError(404) for an unknown campaign, HttpError(409) when the id is known with a
  // different campaign, type or payload.
  AdChangeEnqueued enqueue(const AdChangeRequest& request);
  // The next due change for `worker`, leased for `lease`, or nullopt. Changes of a campaign that
  // has a change under an active lease wait, so one campaign's changes apply one at a time.
  std::optional<ClaimedChange> claim(const std::string& worker, std::chrono::milliseconds lease);
  // Moves the change to ad_change_history (exactly once) and updates the campaign. False when the
  // lease was lost (another worker owns the change now; nothing written).
  bool record_applied(const ClaimedChange& change, const std::string& worker,
                      const AppliedChange& applied);
  // Meta throttled us: the attempt does not count; this change and every other waiting change of
  // the same ad account (of every account when `app_wide`) are pushed out to now + wait.
  bool reschedule_throttled(const ClaimedChange& change, const std::string& worker,
                            std::chrono::milliseconds wait, const std::string& error,
                            bool app_wide);
  // A failed attempt: retried after `retry_delay`, or dead-lettered when `permanent` or the
  // attempts reached `max_attempts`.
  FailureResult record_failure(const ClaimedChange& change, const std::string& worker,
                               const std::string& error, std::chrono::milliseconds retry_delay,
                               int max_attempts, bool permanent);
  // {"id","state",...} from whichever table holds the change, or nullopt.
  std::optional<nlohmann::json> status(const std::string& id);
  // {"pending":n,"applied":n,"dead_letter":n}
  nlohmann::json counts();

 private:
  ConnectionPool& pool_;
};

}  // namespace gauntlet::mocks
