#pragma once
// A circuit breaker per downstream, on caller-supplied time so the state machine is tested on
// fake time:
//   closed    --failure_threshold consecutive failures-->  open
//   open      --open_duration elapsed (checked lazily)-->  half-open
//   half-open --success_threshold consecutive successes--> closed
//   half-open --any failure-->                             open (the open timer restarts)
// In half-open at most half_open_max_calls probes are in flight; further calls are refused.
// Contract: every allow() that returned true is followed by exactly one record_success() or
// record_failure(), or a half-open probe slot is never given back.
// Synchronised: one breaker is shared by every request to its downstream.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string_view>

namespace gauntlet::mocks {

enum class BreakerState { kClosed = 0, kOpen = 1, kHalfOpen = 2 };

// "closed", "open", "half_open" (the metric label and JSON spelling).
std::string_view to_string(BreakerState state) noexcept;

struct CircuitBreakerOptions {
  std::uint32_t failure_threshold = 5;
  std::chrono::nanoseconds open_duration = std::chrono::seconds(5);
  std::uint32_t half_open_max_calls = 1;
  std::uint32_t success_threshold = 1;

  // Throws ConfigError listing every field that is zero.
  void validate() const;
};

class CircuitBreaker {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  // Validates the options (ConfigError); starts closed.
  explicit CircuitBreaker(CircuitBreakerOptions options);

  // True if a call may go ahead now. False while open (answer 503) or when half-open probes are
  // all taken.
  bool allow(time_point now);
  void record_success(time_point now);
  void record_failure(time_point now);

  // The state at `now` (an open breaker whose timer ran out reports half-open).
  BreakerState state(time_point now);
  // Time until an open breaker will let a probe through; zero unless open.
  std::chrono::nanoseconds retry_after(time_point now);
  // How many times the breaker went to open (from closed or half-open).
  std::uint64_t times_opened() const;

 private:
  void advance(time_point now);  // open -> half-open once the timer ran out
  void trip(time_point now);

  const CircuitBreakerOptions options_;
  mutable std::mutex mutex_;
  BreakerState state_ = BreakerState::kClosed;
  std::uint32_t consecutive_failures_ = 0;
  std::uint32_t consecutive_successes_ = 0;
  std::uint32_t probes_in_flight_ = 0;
  time_point opened_at_{};
  std::uint64_t times_opened_ = 0;
};

}  // namespace gauntlet::mocks
