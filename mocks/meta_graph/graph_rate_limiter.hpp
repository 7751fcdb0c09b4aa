#pragma once
// Meta's throttling, scaled down: sliding windows (default 10 s instead of Meta's hour) for the
// app as a whole and per ad account, and the usage headers the real API sends on every call:
//   X-App-Usage                {"call_count":P,"total_cputime":P,"total_time":P}
//   X-Ad-Account-Usage         {"acc_id_util_pct":P,"reset_time_duration":S,
//                               "ads_api_access_tier":"standard_access"}
//   X-Business-Use-Case-Usage  {"<account>":[{"type":"ads_management"|"ads_insights",
//                               "call_count":P,"total_cputime":P,"total_time":P,
//                               "estimated_time_to_regain_access":M,...}]}
// (P percent, S seconds, M minutes; the BUC key is the ad account, as the mock has no businesses.)
// Refusals, checked in this order, admit nothing:
//   app window full                  -> (#4)     Application request limit reached
//   account window full              -> (#17)    User request limit reached, subcode 2446079
//   ads_management window full       -> (#80004) too many calls to this ad-account
//   ads_insights window full         -> (#80000) too many calls from this ad-account
//   report-run creation window full  -> (#613)   Calls to this api have exceeded the rate limit,
//                                       subcode 1487742
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "gauntlet/mocks/headers.hpp"
#include "gauntlet/mocks/sliding_window_limiter.hpp"
#include "graph_error.hpp"

namespace gauntlet::mocks {

enum class CallType { kAdsManagement, kInsights, kReportRun };

struct RateLimitConfig {
  std::uint64_t app_limit = 100000;
  std::uint64_t account_limit = 20000;
  std::uint64_t ads_management_limit = 10000;
  std::uint64_t insights_limit = 5000;
  std::uint64_t report_run_limit = 1000;
  std::chrono::milliseconds window{10000};

  // `base` with the fields present in `body` replaced (names as in to_json, window as
  // window_ms). Throws ConfigError listing unknown fields and values that are not integers >= 1.
  static RateLimitConfig from_json(const nlohmann::json& body, const RateLimitConfig& base);
  nlohmann::json to_json() const;
};

// The wait the usage headers state, in ms: the largest of X-Ad-Account-Usage's
// reset_time_duration (seconds) and every estimated_time_to_regain_access (minutes) of
// X-Business-Use-Case-Usage, the two figures a client must honour after a refusal. 0 when neither
// header says anything (or cannot be parsed).
std::int64_t stated_wait_ms(const Headers& usage);

class GraphRateLimiter {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;

  struct Verdict {
    std::optional<GraphError> refusal;  // set when the call is throttled
    Headers headers;                    // the three usage headers, after this call
  };

  explicit GraphRateLimiter(RateLimitConfig config);

  // Admits one call of `type` for ad `account` at `now`, or says why not. Thread-safe.
  Verdict admit(const std::string& account, CallType type, SteadyTime now);
  // Replaces the limits and forgets every window (the admin API).
  void configure(const RateLimitConfig& config);
  RateLimitConfig config() const;
  // {"throttled":{"4":n,"17":n,...},"accounts":n}
  nlohmann::json stats() const;

 private:
  struct Windows {
    SlidingWindowLimiter account, management, insights, runs;
  };
  Windows& windows_for(const std::string& account);
  Headers usage_headers(const std::string& account, Windows& w, SteadyTime now);
  GraphError refusal(int code, SteadyTime now);

  mutable std::mutex mutex_;
  RateLimitConfig config_;
  std::unique_ptr<SlidingWindowLimiter> app_;
  std::map<std::string, std::unique_ptr<Windows>> accounts_;
  std::map<int, std::uint64_t> throttled_;
};

}  // namespace gauntlet::mocks
