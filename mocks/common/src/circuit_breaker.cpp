#include "gauntlet/mocks/circuit_breaker.hpp"

#include <string>

#include "gauntlet/config_error.hpp"

namespace gauntlet::mocks {

std::string_view to_string(BreakerState state) noexcept {
  switch (state) {
    case BreakerState::kClosed:
      return "closed";
    case BreakerState::kOpen:
      return "open";
    case BreakerState::kHalfOpen:
      return "half_open";
  }
  return "unknown";
}

void CircuitBreakerOptions::validate() const {
  Problems problems;
  if (failure_threshold == 0) problems.add("circuit breaker failure_threshold must be >= 1, got 0");
  if (open_duration <= std::chrono::nanoseconds(0)) {
    problems.add("circuit breaker open_duration must be > 0ns, got " +
                 std::to_string(open_duration.count()) + "ns");
  }
  if (half_open_max_calls == 0) {
    problems.add("circuit breaker half_open_max_calls must be >= 1, got 0");
  }
  if (success_threshold == 0) problems.add("circuit breaker success_threshold must be >= 1, got 0");
  problems.throw_if_any();
}

CircuitBreaker::CircuitBreaker(CircuitBreakerOptions options) : options_(options) {
  options_.validate();
}

void CircuitBreaker::advance(time_point now) {
  if (state_ == BreakerState::kOpen && now - opened_at_ >= options_.open_duration) {
    state_ = BreakerState::kHalfOpen;
    probes_in_flight_ = 0;
    consecutive_successes_ = 0;
  }
}

void CircuitBreaker::trip(time_point now) {
  state_ = BreakerState::kOpen;
  opened_at_ = now;
  consecutive_failures_ = 0;
  consecutive_successes_ = 0;
  probes_in_flight_ = 0;
  ++times_opened_;
}

bool CircuitBreaker::allow(time_point now) {
  std::lock_guard lock(mutex_);
  advance(now);
  switch (state_) {
    case BreakerState::kClosed:
      return true;
    case BreakerState::kOpen:
      return false;
    case BreakerState::kHalfOpen:
      if (probes_in_flight_ >= options_.half_open_max_calls) return false;
      ++probes_in_flight_;
      return true;
  }
  return false;
}

void CircuitBreaker::record_success(time_point now) {
  std::lock_guard lock(mutex_);
  advance(now);
  if (state_ == BreakerState::kClosed) {
    consecutive_failures_ = 0;
  } else if (state_ == BreakerState::kHalfOpen) {
    if (probes_in_flight_ > 0) --probes_in_flight_;
    if (++consecutive_successes_ >= options_.success_threshold) {
      state_ = BreakerState::kClosed;
      consecutive_failures_ = 0;
      consecutive_successes_ = 0;
    }
  }
  // A success reported while open comes from a call admitted before the trip: ignored.
}

void CircuitBreaker::record_failure(time_point now) {
  std::lock_guard lock(mutex_);
  advance(now);
  if (state_ == BreakerState::kClosed) {
    if (++consecutive_failures_ >= options_.failure_threshold) trip(now);
  } else if (state_ == BreakerState::kHalfOpen) {
    trip(now);
  }
}

BreakerState CircuitBreaker::state(time_point now) {
  std::lock_guard lock(mutex_);
  advance(now);
  return state_;
}

std::chrono::nanoseconds CircuitBreaker::retry_after(time_point now) {
  std::lock_guard lock(mutex_);
  advance(now);
  if (state_ != BreakerState::kOpen) return std::chrono::nanoseconds(0);
  return options_.open_duration - (now - opened_at_);
}

std::uint64_t CircuitBreaker::times_opened() const {
  std::lock_guard lock(mutex_);
  return times_opened_;
}

}  // namespace gauntlet::mocks
