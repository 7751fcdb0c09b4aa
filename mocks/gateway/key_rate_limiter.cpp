#include "key_rate_limiter.hpp"

#include "gauntlet/config_error.hpp"

namespace gauntlet::mocks {

KeyRateLimiter::KeyRateLimiter(double rate_per_s, double burst, std::size_t max_keys)
    : rate_per_s_(rate_per_s), burst_(burst), max_keys_(max_keys) {
  if (max_keys == 0) throw ConfigError("max_keys must be > 0, got 0");
  validate(rate_per_s, burst);
}

void KeyRateLimiter::validate(double rate_per_s, double burst) {
  Problems problems;
  if (!(rate_per_s > 0.0))
    problems.add("rate_per_s must be > 0, got " + std::to_string(rate_per_s));
  if (!(burst >= 1.0)) problems.add("burst must be >= 1, got " + std::to_string(burst));
  problems.throw_if_any();
}

void KeyRateLimiter::configure(double rate_per_s, double burst) {
  validate(rate_per_s, burst);
  std::lock_guard lock(mutex_);
  rate_per_s_ = rate_per_s;
  burst_ = burst;
  buckets_.clear();
}

double KeyRateLimiter::rate_per_s() const {
  std::lock_guard lock(mutex_);
  return rate_per_s_;
}

double KeyRateLimiter::burst() const {
  std::lock_guard lock(mutex_);
  return burst_;
}

std::optional<std::chrono::nanoseconds> KeyRateLimiter::admit(const std::string& key,
                                                              time_point now) {
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) evict_idle(now);
    it = buckets_.emplace(key, TokenBucket(burst_, rate_per_s_, now)).first;
  }
  if (it->second.try_acquire(now)) return std::nullopt;
  return it->second.time_until_available(now);
}

void KeyRateLimiter::evict_idle(time_point now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    it = it->second.available(now) >= burst_ ? buckets_.erase(it) : std::next(it);
  }
}

std::size_t KeyRateLimiter::tracked_keys() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

}  // namespace gauntlet::mocks
