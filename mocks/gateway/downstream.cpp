#include "downstream.hpp"

#include <thread>

#include "gauntlet/config_error.hpp"

namespace gauntlet::mocks {
namespace {

using Steady = std::chrono::steady_clock;

const DownstreamOptions& validated(const DownstreamOptions& o) {
  Problems problems;
  if (o.retry.max_attempts < 1 || o.retry.max_attempts > 10) {
    problems.add("retry.max_attempts must be in 1..10, got " +
                 std::to_string(o.retry.max_attempts));
  }
  if (o.timeout.count() <= 0)
    problems.add("downstream timeout must be > 0ms, got " + std::to_string(o.timeout.count()) +
                 "ms");
  problems.throw_if_any();
  o.retry.backoff.validate();
  o.breaker.validate();
  return o;
}

}  // namespace

bool should_retry(int attempt, const RetryPolicy& policy, bool retryable,
                  std::optional<int> status) {
  if (!retryable || attempt >= policy.max_attempts) return false;
  return !status || *status == 502 || *status == 503 || *status == 504;
}

Downstream::Downstream(std::string name, Url base, DownstreamOptions options, std::uint64_t seed)
    : name_(std::move(name)),
      base_(std::move(base)),
      options_(validated(options)),
      breaker_(options_.breaker),
      backoff_(options_.retry.backoff, seed) {}

std::unique_ptr<HttpClient> Downstream::checkout() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto client = std::move(idle_.back());
      idle_.pop_back();
      return client;
    }
  }
  return std::make_unique<HttpClient>(ClientOptions{.timeout = options_.timeout});
}

void Downstream::checkin(std::unique_ptr<HttpClient> client) {
  std::lock_guard lock(mutex_);
  idle_.push_back(std::move(client));
}

std::chrono::nanoseconds Downstream::next_delay(int attempt) {
  std::lock_guard lock(mutex_);
  return backoff_.next_delay(static_cast<std::uint32_t>(attempt - 1));
}

DownstreamResult Downstream::call(const std::string& method, const std::string& target,
                                  const std::string& body, const Headers& headers, bool retryable) {
  DownstreamResult result;
  Url url = base_;
  url.target = target;
  for (int attempt = 1;; ++attempt) {
    if (!breaker_.allow(Steady::now())) {
      if (attempt == 1) {
        result.kind = DownstreamResult::Kind::kBreakerOpen;
        result.retry_after = breaker_.retry_after(Steady::now());
      }
      return result;  // a retry refused by a breaker that opened meanwhile keeps the last outcome
    }
    result.attempts = attempt;
    std::optional<int> status;
    auto client = checkout();
    try {
      result.response = client->request(method, url, body, headers);
      result.kind = DownstreamResult::Kind::kResponse;
      status = result.response.status;
      checkin(std::move(client));
    } catch (const ClientError& e) {
      result.kind = DownstreamResult::Kind::kUnavailable;
      result.error = e.what();
      result.timed_out = e.timed_out();
    }
    if (status && *status < 500) {
      breaker_.record_success(Steady::now());
    } else {
      breaker_.record_failure(Steady::now());
    }
    if (!should_retry(attempt, options_.retry, retryable, status)) return result;
    std::this_thread::sleep_for(next_delay(attempt));
  }
}

}  // namespace gauntlet::mocks
