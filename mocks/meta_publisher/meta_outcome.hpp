#pragma once
// How the SafeExecutor reads one answer from the Graph API, as pure functions (tested without a
// server). Meta signals throttling with error codes (#4 app, #17 user/account, #32 page,
// #613 rate, #80000..#80014 business use case) and tells how long to back off in
// X-Business-Use-Case-Usage ("estimated_time_to_regain_access", minutes) and X-Ad-Account-Usage
// ("reset_time_duration", seconds). A throttled change must wait that long, never hot-loop.
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "gauntlet/mocks/headers.hpp"

namespace gauntlet::mocks {

enum class MetaOutcomeKind {
  kApplied,    // 2xx
  kThrottled,  // a rate-limit code: wait, do not count as a failed attempt
  kTransient,  // 5xx, codes 1/2, unparseable answers: retry with backoff, counts as an attempt
  kPermanent,  // any other error (#100 invalid parameter, #190 token, unknown object): dead-letter
};

struct ThrottlePolicy {
  std::chrono::milliseconds min_wait{1000};  // floor: also used when Meta gives no estimate
  std::chrono::milliseconds max_wait{3'600'000};
  // Multiplies Meta's estimated_time_to_regain_access (the meta-graph mock works in scaled-down
  // windows and counts regain time in minutes of its --regain-minute-ms; the platform gives both
  // the same scale). reset_time_duration, in seconds, is not scaled. (0, 1].
  double regain_scale = 1.0;
};

struct MetaOutcome {
  MetaOutcomeKind kind = MetaOutcomeKind::kTransient;
  int http_status = 0;
  int code = 0;                       // Meta's error.code, 0 if none
  std::string message;                // error text for last_error
  std::chrono::milliseconds wait{0};  // for kThrottled: how long until the next try
  bool app_wide = false;              // #4: the whole app is throttled, not one ad account
  nlohmann::json response;            // the parsed body (null if not JSON)
};

bool is_throttle_code(int code) noexcept;

// The wait Meta asks for in the usage headers (the largest estimate across use-case entries,
// scaled, and the account header), rounded up to the ms and clamped to [min_wait, max_wait].
// Unparseable headers count as no estimate.
std::chrono::milliseconds throttle_wait(const Headers& headers, const ThrottlePolicy& policy);

MetaOutcome classify_meta_response(int http_status, const Headers& headers, const std::string& body,
                                   const ThrottlePolicy& policy);

}  // namespace gauntlet::mocks
