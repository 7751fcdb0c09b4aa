#pragma once
// A token bucket on caller-supplied time: `capacity` tokens at most, refilled continuously at
// `refill_per_s`. Used for per-key rate limits (the gateway answers 429 + Retry-After).
// Not synchronised: one bucket per key, guarded by whoever owns the map of keys.
#include <chrono>

namespace gauntlet::mocks {

class TokenBucket {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  // Starts full. Throws ConfigError if capacity <= 0 or refill_per_s <= 0.
  TokenBucket(double capacity, double refill_per_s, time_point now);

  // Takes `tokens` if that many are available at `now`; returns false (taking nothing) otherwise.
  // A request for more than the capacity can never succeed and always returns false.
  bool try_acquire(time_point now, double tokens = 1.0);

  // How long from `now` until `tokens` are available (zero if they already are). For a request
  // larger than the capacity this is the time to fill the bucket completely.
  std::chrono::nanoseconds time_until_available(time_point now, double tokens = 1.0);

  double available(time_point now);
  double capacity() const noexcept { return capacity_; }

 private:
  void refill(time_point now);

  double capacity_;
  double refill_per_s_;
  double tokens_;
  time_point last_;
};

}  // namespace gauntlet::mocks
