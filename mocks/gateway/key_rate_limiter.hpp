#pragma once
// Per-API-key token buckets (gauntlet/mocks/token_bucket.hpp) behind one mutex: each key may
// burst `burst` requests and then `rate_per_s`. The map is bounded: past `max_keys`, buckets that
// have refilled completely (keys that went quiet) are forgotten, which loses nothing. The rate and
// burst may be changed at run time (the gateway's POST /__admin/rate_limit): every bucket starts
// again full under the new values.
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "gauntlet/mocks/token_bucket.hpp"

namespace gauntlet::mocks {

class KeyRateLimiter {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  // Throws ConfigError if rate_per_s <= 0, burst < 1 or max_keys == 0.
  KeyRateLimiter(double rate_per_s, double burst, std::size_t max_keys = 100'000);

  // nullopt: admitted. Otherwise refused, and how long until a token is available (Retry-After).
  std::optional<std::chrono::nanoseconds> admit(const std::string& key, time_point now);
  std::size_t tracked_keys() const;

  // Replaces the rate and burst and forgets every bucket. Throws ConfigError (naming the field,
  // the value and the limit) and changes nothing when either is out of range.
  void configure(double rate_per_s, double burst);
  double rate_per_s() const;
  double burst() const;

 private:
  void evict_idle(time_point now);
  static void validate(double rate_per_s, double burst);

  double rate_per_s_;
  double burst_;
  const std::size_t max_keys_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, TokenBucket> buckets_;
};

}  // namespace gauntlet::mocks
