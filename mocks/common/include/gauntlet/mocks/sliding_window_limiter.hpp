#pragma once
// An exact sliding-window limiter (a log of admitted calls) on caller-supplied time: at most
// `limit` units of cost within any trailing `window`. Meta's per-ad-account throttling is modelled
// on it; usage_fraction() feeds the X-Ad-Account-Usage style headers.
// Memory is bounded by `limit` entries (only admitted calls are logged). Not synchronised.
#include <chrono>
#include <cstdint>
#include <deque>

namespace gauntlet::mocks {

class SlidingWindowLimiter {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  // Throws ConfigError if limit == 0 or window <= 0.
  SlidingWindowLimiter(std::uint64_t limit, std::chrono::nanoseconds window);

  // Admits a call of `cost` at `now` if the window has room for it; returns false otherwise
  // (a refused call is not logged, so refusals do not extend the penalty).
  bool try_acquire(time_point now, std::uint64_t cost = 1);

  // Cost admitted within (now - window, now].
  std::uint64_t used(time_point now);
  // used / limit, in [0, 1].
  double usage_fraction(time_point now);
  // How long from `now` until a call of `cost` would be admitted (zero if it would be now).
  std::chrono::nanoseconds retry_after(time_point now, std::uint64_t cost = 1);

  std::uint64_t limit() const noexcept { return limit_; }
  std::chrono::nanoseconds window() const noexcept { return window_; }
  // Changes the limit at run time (the mocks' admin API); entries already logged stay.
  void set_limit(std::uint64_t limit);

 private:
  struct Entry {
    time_point at;
    std::uint64_t cost;
  };
  void expire(time_point now);

  std::uint64_t limit_;
  std::chrono::nanoseconds window_;
  std::deque<Entry> log_;
  std::uint64_t used_ = 0;
};

}  // namespace gauntlet::mocks
