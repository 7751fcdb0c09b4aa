#pragma once
// Meta's throttling, scaled down: sliding windows (default 10 s instead of Meta's hour) for the
// app as a whole and per ad account, and the usage headers the real API sends on every call:
//   X-App-Usage                {"call_count":P,"total_cputime":P,"total_time":P}
//   X-Ad-Account-Usage         {"acc_id_util_pct":P,"reset_time_duration":S,
//                               "ads_api_access_tier":"standard_access"}
//   X-Business-Use-Case-Usage  {"<account>":[{"type":"ads_management"|"ads_insights",
//                               "call_count":P,"total_cputime":P,"total_time":P,
//                               "estimated_time_to_regain_access":M,...}]}
// (P percent, S seconds, M minutes; the BUC key is the ad account, as the mock has no businesses.
// M stays an integer, as Meta sends it and its SDKs read it; since the windows are scaled down,
// so is the minute M counts in: `regain_minute`, 60 s by default.)
// Refusals, checked in this order, admit nothing:
//   app window full                  -> (#4)     Application request limit reached
//   account window full              -> (#17)    User request limit reached, subcode 2446079
//   ads_management window full       -> (#80004) too many calls to this ad-account
//   ads_insights window full         -> (#80000) too many calls from this ad-account
//   report-run creation window full  -> (#613)   Calls to this api have exceeded the rate limit,
//                                       subcode 1487742
// A forced throttle (the admin API: a test's "Meta throttles this account now, for this long")
// refuses every call of one ad account (of the app for #4) with its code before any window is
// looked at, and states the time it has left in every estimated_time_to_regain_access of the
// account (and, for #17, in reset_time_duration).
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
  // How long one minute of estimated_time_to_regain_access is (the windows stand for Meta's
  // hour, scaled down; a client honouring the header must scale its minute the same way).
  std::chrono::milliseconds regain_minute{60000};

  // `base` with the fields present in `body` replaced (names as in to_json, window as
  // window_ms, regain_minute as regain_minute_ms). Throws ConfigError listing unknown fields and
  // values that are not integers >= 1.
  static RateLimitConfig from_json(const nlohmann::json& body, const RateLimitConfig& base);
  nlohmann::json to_json() const;
};

// The wait the usage headers state, in ms: the largest of X-Ad-Account-Usage's
// reset_time_duration (seconds) and every estimated_time_to_regain_access (minutes of
// `regain_minute`) of X-Business-Use-Case-Usage, the two figures a client must honour after a
// refusal. 0 when neither header says anything (or cannot be parsed).
std::int64_t stated_wait_ms(const Headers& usage,
                            std::chrono::milliseconds regain_minute = std::chrono::minutes(1));

// The throttle codes a forced throttle may use: 4 (the app), 17, 613, 80000, 80004 (an account).
bool is_forcible_throttle_code(int code) noexcept;

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
  // Replaces the limits and forgets every window (the admin API); forced throttles stay.
  void configure(const RateLimitConfig& config);
  // From `now` for `duration`, refuses every call of ad account `account` (digits) with `code`,
  // or of the whole app when `code` is 4 (`account` ignored). Replaces a forced throttle of the
  // same scope. Throws ConfigError for a code that is not forcible, a duration < 1 ms, or no
  // account for an account code.
  void force(const std::string& account, int code, std::chrono::milliseconds duration,
             SteadyTime now);
  void clear_forced();
  // [{"scope":"app"|"act_<digits>","code","remaining_ms"}] of the forced throttles still on.
  nlohmann::json forced(SteadyTime now) const;
  RateLimitConfig config() const;
  // {"throttled":{"4":n,"17":n,...},"accounts":n}
  nlohmann::json stats() const;

 private:
  struct Windows {
    SlidingWindowLimiter account, management, insights, runs;
  };
  Windows& windows_for(const std::string& account);
  struct Forced {
    int code = 0;
    SteadyTime until;
  };
  // The forced throttle holding `account` at `now` (the app's first), or none.
  std::optional<Forced> forced_for(const std::string& account, SteadyTime now) const;
  // `held`: what a forced throttle has left, stated on top of what the windows say.
  Headers usage_headers(const std::string& account, Windows& w, SteadyTime now,
                        const std::optional<Forced>& held);
  GraphError refusal(int code, SteadyTime now);

  mutable std::mutex mutex_;
  RateLimitConfig config_;
  std::unique_ptr<SlidingWindowLimiter> app_;
  std::map<std::string, std::unique_ptr<Windows>> accounts_;
  std::map<int, std::uint64_t> throttled_;
  std::map<std::string, Forced> forced_;  // by account digits; "" is the app (#4)
};

}  // namespace gauntlet::mocks
