#include "gauntlet/mocks/token_bucket.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "gauntlet/config_error.hpp"

namespace gauntlet::mocks {

TokenBucket::TokenBucket(double capacity, double refill_per_s, time_point now)
    : capacity_(capacity), refill_per_s_(refill_per_s), tokens_(capacity), last_(now) {
  Problems problems;
  if (!(capacity > 0)) {
    problems.add("token bucket capacity must be > 0, got " + std::to_string(capacity));
  }
  if (!(refill_per_s > 0)) {
    problems.add("token bucket refill_per_s must be > 0, got " + std::to_string(refill_per_s));
  }
  problems.throw_if_any();
}

void TokenBucket::refill(time_point now) {
  // Time going backwards (a caller mixing clocks) must never mint tokens.
  if (now <= last_) return;
  const double elapsed_s = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(capacity_, tokens_ + elapsed_s * refill_per_s_);
  last_ = now;
}

bool TokenBucket::try_acquire(time_point now, double tokens) {
  refill(now);
  if (tokens > capacity_ || tokens_ < tokens) return false;
  tokens_ -= tokens;
  return true;
}

std::chrono::nanoseconds TokenBucket::time_until_available(time_point now, double tokens) {
  refill(now);
  const double wanted = std::min(tokens, capacity_);
  if (tokens_ >= wanted) return std::chrono::nanoseconds(0);
  const double wait_s = (wanted - tokens_) / refill_per_s_;
  return std::chrono::nanoseconds(static_cast<long long>(std::ceil(wait_s * 1e9)));
}

double TokenBucket::available(time_point now) {
  refill(now);
  return tokens_;
}

}  // namespace gauntlet::mocks
