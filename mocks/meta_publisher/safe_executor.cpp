#include "safe_executor.hpp"

#include <algorithm>
#include <random>
#include <stdexcept>

#include "budget_step.hpp"
#include "gauntlet/config_error.hpp"
#include "gauntlet/mocks/backoff.hpp"
#include "gauntlet/mocks/http_client.hpp"

namespace gauntlet::mocks {
namespace {

using nlohmann::json;
using Steady = std::chrono::steady_clock;

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}
std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

void require_ms(std::chrono::milliseconds v, std::int64_t min, const char* field,
                Problems& problems) {
  if (v.count() < min) {
    problems.add(std::string(field) + " must be >= " + std::to_string(min) + "ms, got " +
                 std::to_string(v.count()) + "ms");
  }
}

Url checked_url(const SafeExecutorOptions& o) {
  o.validate();
  Url url = Url::parse(o.meta_graph_url);
  if (!url.is_loopback()) {
    throw ConfigError("meta_graph_url must point at the loopback meta-graph mock, got " +
                      o.meta_graph_url);
  }
  return url;
}

}  // namespace

void SafeExecutorOptions::validate() const {
  Problems problems;
  if (workers < 0 || workers > 256)
    problems.add("workers must be in 0..256, got " + std::to_string(workers));
  if (max_attempts < 1 || max_attempts > 100)
    problems.add("max_attempts must be in 1..100, got " + std::to_string(max_attempts));
  if (!(rate_per_s > 0.0))
    problems.add("rate_per_s must be > 0, got " + std::to_string(rate_per_s));
  if (!(burst >= 1.0)) problems.add("burst must be >= 1, got " + std::to_string(burst));
  if (!(budget_step_cap > 0.0 && budget_step_cap <= 1.0)) {
    problems.add("budget_step_cap must be in (0, 1], got " + std::to_string(budget_step_cap));
  }
  if (!(budget_fuzz >= 0.0 && budget_fuzz < 1.0))
    problems.add("budget_fuzz must be in [0, 1), got " + std::to_string(budget_fuzz));
  if (!(throttle.regain_scale > 0.0 && throttle.regain_scale <= 1.0)) {
    problems.add("throttle.regain_scale must be in (0, 1], got " +
                 std::to_string(throttle.regain_scale));
  }
  require_ms(jitter, 0, "jitter", problems);
  require_ms(budget_step_interval, 0, "budget_step_interval", problems);
  require_ms(lease, 1, "lease", problems);
  require_ms(poll_interval, 1, "poll_interval", problems);
  require_ms(retry_base, 1, "retry_base", problems);
  require_ms(retry_cap, retry_base.count(), "retry_cap", problems);
  require_ms(request_timeout, 1, "request_timeout", problems);
  // A throttled change must never be retried at once: the floor is what prevents a hot loop.
  require_ms(throttle.min_wait, 1, "throttle.min_wait", problems);
  if (request_timeout >= lease)
    problems.add("lease must be longer than request_timeout, got " + std::to_string(lease.count()) +
                 "ms");
  problems.throw_if_any();
}

json SafeExecutorOptions::to_json() const {
  return {{"max_attempts", max_attempts},
          {"retry_base_ms", retry_base.count()},
          {"retry_cap_ms", retry_cap.count()},
          {"jitter_ms", jitter.count()},
          {"poll_ms", poll_interval.count()},
          {"rate_per_s", rate_per_s},
          {"burst", burst},
          {"budget_step_cap", budget_step_cap},
          {"budget_fuzz", budget_fuzz},
          {"budget_step_interval_ms", budget_step_interval.count()},
          {"throttle_min_wait_ms", throttle.min_wait.count()},
          {"regain_scale", throttle.regain_scale}};
}

struct SafeExecutor::Worker {
  std::string id;
  HttpClient client;
  Backoff backoff;
  std::mt19937_64 rng;
};

SafeExecutor::SafeExecutor(AdChangeStore& store, SafeExecutorOptions options,
                           MetricsRegistry& metrics, Logger& logger)
    : store_(store),
      options_(std::move(options)),
      meta_base_(checked_url(options_)),
      logger_(logger),
      metrics_(metrics),
      bucket_(options_.burst, options_.rate_per_s, Steady::now()) {}

SafeExecutor::~SafeExecutor() { stop(); }

void SafeExecutor::start() {
  threads_.start(options_.workers, [this](int index) { run_worker(index); });
}

void SafeExecutor::stop() { threads_.stop(); }

void SafeExecutor::wake() { threads_.wake(); }

void SafeExecutor::run_worker(int index) {
  Worker w{options_.worker_prefix + "-" + std::to_string(index),
           HttpClient({.timeout = options_.request_timeout, .keep_alive = true}),
           Backoff({.base = options_.retry_base, .cap = options_.retry_cap, .multiplier = 2.0},
                   options_.seed + static_cast<std::uint64_t>(index)),
           std::mt19937_64(options_.seed * 7919 + static_cast<std::uint64_t>(index))};
  for (;;) {
    try {
      const std::optional<ClaimedChange> change = store_.claim(w.id, options_.lease);
      if (change) {
        process(w, *change);
      } else {
        threads_.idle_wait(options_.poll_interval);
      }
    } catch (const std::exception& e) {
      // The database is unreachable or the pool exhausted: keep the worker, slow down.
      logger_.error("safe executor error", {{"worker", w.id}, {"error", e.what()}});
      if (!threads_.sleep_for(options_.poll_interval * 10)) return;
    }
    if (threads_.stopping()) return;
  }
}

void SafeExecutor::process(Worker& w, const ClaimedChange& change) {
  MetaCall call;
  try {
    call = plan_call(change);
  } catch (const std::invalid_argument& e) {
    store_.record_failure(change, w.id, e.what(), std::chrono::milliseconds(0),
                          options_.max_attempts, true);
    metrics_
        .counter("meta_publisher_changes_total", "Change attempts by outcome.",
                 {{"outcome", "dead_letter"}})
        .inc();
    return;
  }
  if (!pace(w)) return;  // stopping: the lease runs out and another worker takes the change
  const MetaOutcome outcome = call_meta(w, change, call);
  record_outcome(w, change, call, outcome);
}

SafeExecutor::MetaCall SafeExecutor::plan_call(const ClaimedChange& change) const {
  MetaCall call;
  const json& p = change.payload;
  const bool on_campaign = !p.contains("object_id");
  call.object_id = on_campaign ? change.meta_campaign_id : p["object_id"].get<std::string>();
  if (call.object_id.empty()) {
    throw std::invalid_argument("campaign " + std::to_string(change.campaign_id) +
                                " is not published to Meta (meta_campaign_id is null)");
  }
  if (change.change_type == "budget") {
    const std::int64_t target = p["daily_budget_cents"].get<std::int64_t>();
    const double u = unit_draw(change.id.data(), change.id.size());
    const BudgetStep step = plan_budget_step(change.current_budget_cents, target,
                                             options_.budget_step_cap, options_.budget_fuzz, u);
    call.params = {{"daily_budget", std::to_string(step.apply_cents)}};
    call.applied.new_budget_cents = step.apply_cents;
    if (step.capped) {
      call.applied.continue_to_cents = target;
      call.applied.continue_after = options_.budget_step_interval;
    }
  } else if (change.change_type == "status") {
    call.params = {{"status", upper(p["status"].get<std::string>())}};
    if (on_campaign) call.applied.new_campaign_status = lower(p["status"].get<std::string>());
  } else if (change.change_type == "bid") {
    call.params = {{"bid_amount", std::to_string(p["bid_amount"].get<std::int64_t>())}};
  } else {
    call.params = {{"creative", p["creative"]}};
  }
  call.applied.applied_payload = call.params;
  call.applied.applied_payload["object_id"] = call.object_id;
  return call;
}

bool SafeExecutor::pace(Worker& w) {
  for (;;) {
    std::chrono::nanoseconds wait{0};
    {
      std::lock_guard lock(bucket_mutex_);
      const auto now = Steady::now();
      if (bucket_.try_acquire(now)) break;
      wait = bucket_.time_until_available(now);
    }
    if (!threads_.sleep_for(wait)) return false;
  }
  const auto jitter_ms =
      std::uniform_int_distribution<std::int64_t>(0, options_.jitter.count())(w.rng);
  return jitter_ms == 0 || threads_.sleep_for(std::chrono::milliseconds(jitter_ms));
}

MetaOutcome SafeExecutor::call_meta(Worker& w, const ClaimedChange& change, const MetaCall& call) {
  Url url = meta_base_;
  url.target = "/" + options_.graph_version + "/" + call.object_id;
  json body = call.params;
  body["access_token"] = options_.access_token;
  const auto started = Steady::now();
  MetaOutcome outcome;
  try {
    const ClientResponse res = w.client.post(url, body.dump(), {{"Idempotency-Key", change.id}});
    outcome = classify_meta_response(res.status, res.headers, res.body, options_.throttle);
  } catch (const ClientError& e) {
    outcome.kind = MetaOutcomeKind::kTransient;
    outcome.message = e.what();
  }
  metrics_.histogram("meta_publisher_meta_call_seconds", "Latency of calls to the Graph API.")
      .observe(std::chrono::duration<double>(Steady::now() - started).count());
  return outcome;
}

void SafeExecutor::record_outcome(Worker& w, const ClaimedChange& change, const MetaCall& call,
                                  const MetaOutcome& outcome) {
  std::string result;
  if (outcome.kind == MetaOutcomeKind::kApplied) {
    AppliedChange applied = call.applied;
    applied.meta_response = outcome.response;
    result = store_.record_applied(change, w.id, applied) ? "applied" : "lease_lost";
  } else if (outcome.kind == MetaOutcomeKind::kThrottled) {
    const std::string error = "throttled by Meta (#" + std::to_string(outcome.code) +
                              "), waiting " + std::to_string(outcome.wait.count()) +
                              "ms: " + outcome.message;
    result = store_.reschedule_throttled(change, w.id, outcome.wait, error, outcome.app_wide)
                 ? "throttled"
                 : "lease_lost";
    logger_.warn(
        "meta throttled",
        {{"change_id", change.id}, {"code", outcome.code}, {"wait_ms", outcome.wait.count()}});
  } else {
    const bool permanent = outcome.kind == MetaOutcomeKind::kPermanent;
    const auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(
        w.backoff.next_delay(static_cast<std::uint32_t>(std::max(change.attempts - 1, 0))));
    const FailureResult r = store_.record_failure(change, w.id, outcome.message, delay,
                                                  options_.max_attempts, permanent);
    result = r == FailureResult::kRetrying
                 ? "retry"
                 : (r == FailureResult::kDeadLettered ? "dead_letter" : "lease_lost");
  }
  metrics_
      .counter("meta_publisher_changes_total", "Change attempts by outcome.", {{"outcome", result}})
      .inc();
}

}  // namespace gauntlet::mocks
