#pragma once
// One downstream service as the gateway sees it: a base URL, a circuit breaker, and retries with
// exponential backoff and full jitter (gauntlet/mocks/backoff.hpp). Thread-safe: handlers on
// every io thread share it; HTTP clients are pooled (one connection each, reused).
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "gauntlet/mocks/backoff.hpp"
#include "gauntlet/mocks/circuit_breaker.hpp"
#include "gauntlet/mocks/http_client.hpp"
#include "gauntlet/mocks/url.hpp"

namespace gauntlet::mocks {

struct RetryPolicy {
  int max_attempts = 3;  // 1 = no retries
  BackoffPolicy backoff{std::chrono::milliseconds(50), std::chrono::seconds(2), 2.0};
};

// Whether attempt `attempt` (1-based, just finished) should be followed by another: only for a
// retryable request, only while attempts remain, and only after a transport failure
// (`status` nullopt) or 502/503/504. Pure, for the tests.
bool should_retry(int attempt, const RetryPolicy& policy, bool retryable,
                  std::optional<int> status);

struct DownstreamOptions {
  RetryPolicy retry;
  CircuitBreakerOptions breaker;
  std::chrono::milliseconds timeout{10'000};
};

struct DownstreamResult {
  enum class Kind { kResponse, kBreakerOpen, kUnavailable };
  Kind kind = Kind::kUnavailable;
  ClientResponse response;                  // kResponse: the last answer
  std::chrono::nanoseconds retry_after{0};  // kBreakerOpen: until a probe is let through
  std::string error;                        // kUnavailable: the last transport error
  bool timed_out = false;
  int attempts = 0;
};

class Downstream {
 public:
  // Validates the options (ConfigError). `base` has no path ("http://127.0.0.1:8001").
  Downstream(std::string name, Url base, DownstreamOptions options, std::uint64_t seed);

  // Sends `method target` with the breaker's permission, retrying as should_retry() says and
  // sleeping the backoff between attempts. A 5xx answer or a transport failure counts against
  // the breaker; anything else counts for it.
  DownstreamResult call(const std::string& method, const std::string& target,
                        const std::string& body, const Headers& headers, bool retryable);

  const std::string& name() const noexcept { return name_; }
  const Url& base() const noexcept { return base_; }
  BreakerState state() { return breaker_.state(std::chrono::steady_clock::now()); }
  std::uint64_t times_opened() const { return breaker_.times_opened(); }

 private:
  std::unique_ptr<HttpClient> checkout();
  void checkin(std::unique_ptr<HttpClient> client);
  std::chrono::nanoseconds next_delay(int attempt);

  const std::string name_;
  const Url base_;
  const DownstreamOptions options_;
  CircuitBreaker breaker_;
  std::mutex mutex_;  // guards backoff_ and idle_
  Backoff backoff_;
  std::vector<std::unique_ptr<HttpClient>> idle_;
};

}  // namespace gauntlet::mocks
