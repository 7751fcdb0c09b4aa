#include "gauntlet/mocks/sliding_window_limiter.hpp"

#include <string>

#include "gauntlet/config_error.hpp"

namespace gauntlet::mocks {

SlidingWindowLimiter::SlidingWindowLimiter(std::uint64_t limit, std::chrono::nanoseconds window)
    : limit_(limit), window_(window) {
  Problems problems;
  if (limit == 0) problems.add("sliding window limit must be > 0, got 0");
  if (window <= std::chrono::nanoseconds(0)) {
    problems.add("sliding window length must be > 0ns, got " + std::to_string(window.count()) +
                 "ns");
  }
  problems.throw_if_any();
}

void SlidingWindowLimiter::set_limit(std::uint64_t limit) {
  if (limit == 0) throw ConfigError("sliding window limit must be > 0, got 0");
  limit_ = limit;
}

void SlidingWindowLimiter::expire(time_point now) {
  // An entry at time t counts while t > now - window.
  while (!log_.empty() && log_.front().at + window_ <= now) {
    used_ -= log_.front().cost;
    log_.pop_front();
  }
}

bool SlidingWindowLimiter::try_acquire(time_point now, std::uint64_t cost) {
  expire(now);
  if (cost > limit_ || used_ + cost > limit_) return false;
  log_.push_back({now, cost});
  used_ += cost;
  return true;
}

std::uint64_t SlidingWindowLimiter::used(time_point now) {
  expire(now);
  return used_;
}

double SlidingWindowLimiter::usage_fraction(time_point now) {
  expire(now);
  const double fraction = static_cast<double>(used_) / static_cast<double>(limit_);
  return fraction > 1.0 ? 1.0 : fraction;
}

std::chrono::nanoseconds SlidingWindowLimiter::retry_after(time_point now, std::uint64_t cost) {
  expire(now);
  if (cost > limit_) return window_;  // never admissible; one window is the honest upper bound
  std::uint64_t free_needed = used_ + cost > limit_ ? used_ + cost - limit_ : 0;
  if (free_needed == 0) return std::chrono::nanoseconds(0);
  // Walk the log until enough cost has expired; that entry's expiry is the answer.
  for (const auto& entry : log_) {
    if (entry.cost >= free_needed) return entry.at + window_ - now;
    free_needed -= entry.cost;
  }
  return window_;
}

}  // namespace gauntlet::mocks
