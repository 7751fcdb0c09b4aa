#include "webhook_emitter.hpp"

#include <condition_variable>
#include <map>
#include <optional>
#include <queue>
#include <thread>

#include "gauntlet/config_error.hpp"
#include "gauntlet/mocks/backoff.hpp"
#include "gauntlet/mocks/http_client.hpp"
#include "gauntlet/mocks/hubspot_signature.hpp"

namespace gauntlet::mocks {

using nlohmann::json;
using SteadyTime = std::chrono::steady_clock::time_point;

class WebhookEmitter::Job {
 public:
  Job(int id, EmitPlan plan, std::int64_t first_event_id, std::uint64_t seed, Logger& logger,
      MetricsRegistry& metrics, WallClock wall_clock)
      : id_(id),
        plan_(std::move(plan)),
        first_event_id_(first_event_id),
        logger_(logger),
        metrics_(metrics),
        wall_clock_(std::move(wall_clock)),
        signer_(plan_.secret),
        backoff_(plan_.backoff, seed),
        host_header_(plan_.target.host.find(':') != std::string::npos
                         ? "[" + plan_.target.host + "]:" + std::to_string(plan_.target.port)
                         : plan_.target.host + ":" + std::to_string(plan_.target.port)),
        start_(std::chrono::steady_clock::now()),
        start_wall_ms_(to_ms(wall_clock_())) {}

  ~Job() {
    stop();
    join();
  }

  void start() {
    for (int i = 0; i < plan_.concurrency; ++i) workers_.emplace_back([this] { worker(); });
    logger_.info("emit job started", {{"job_id", id_}, {"plan", plan_.to_json()}});
  }

  void stop() {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    cv_.notify_all();
  }

  void join() {
    for (auto& t : workers_) {
      if (t.joinable()) t.join();
    }
  }

  bool finished() const {
    std::lock_guard lock(mutex_);
    return (stopped_ || done_locked()) && in_flight_ == 0;
  }

  std::int64_t events() const {
    return static_cast<std::int64_t>(plan_.batches * plan_.events_per_batch);
  }

  json summary(bool with_ids) const {
    std::lock_guard lock(mutex_);
    json statuses = json::object();
    for (const auto& [status, n] : statuses_) statuses[std::to_string(status)] = n;
    const std::uint64_t settled = acked_ + failed_;
    json out = {{"job_id", id_},
                {"target_url", plan_.target_url},
                {"state", done_locked() ? "done" : (stopped_ ? "stopped" : "running")},
                {"batches", plan_.batches},
                {"attempts", attempts_},
                {"delivered", delivered_},
                {"retried", retried_},
                {"acked", acked_},
                {"failed", failed_},
                {"pending", plan_.batches - settled},
                {"abandoned", stopped_ && !done_locked() ? plan_.batches - settled : 0},
                {"timeouts", timeouts_},
                {"connect_errors", connect_errors_},
                {"statuses", statuses},
                {"events_sent", sent_ids_.size()},
                {"events_acked", acked_ids_.size()}};
    if (with_ids) {
      out["event_ids_sent"] = sent_ids_;
      out["event_ids_acked"] = acked_ids_;
    }
    return out;
  }

 private:
  struct Retry {
    SteadyTime due;
    std::uint64_t batch;
    std::uint32_t attempt;
    bool operator>(const Retry& o) const { return due > o.due; }
  };
  struct Outcome {
    std::optional<int> status;
    bool timed_out = false;
  };

  static std::int64_t to_ms(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  }

  SteadyTime new_batch_due(std::uint64_t batch) const {
    return start_ +
           std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::duration<double>(static_cast<double>(batch) / plan_.rate_per_s));
  }

  bool done_locked() const {
    return next_new_ == plan_.batches && retries_.empty() && in_flight_ == 0;
  }

  // Picks the earliest due work (a retry or the next new batch) once it is due.
  std::optional<Retry> next_task(std::unique_lock<std::mutex>& lock) {
    while (!stopped_ && !done_locked()) {
      std::optional<Retry> candidate;
      if (!retries_.empty()) candidate = retries_.top();
      if (next_new_ < plan_.batches && (!candidate || new_batch_due(next_new_) <= candidate->due)) {
        candidate = Retry{new_batch_due(next_new_), next_new_, 0};
      }
      if (!candidate) {
        cv_.wait(lock);  // only in-flight deliveries remain; one may schedule a retry
        continue;
      }
      if (candidate->due > std::chrono::steady_clock::now()) {
        cv_.wait_until(lock, candidate->due);
        continue;
      }
      if (candidate->attempt == 0) {
        ++next_new_;
      } else {
        retries_.pop();
      }
      ++in_flight_;
      return candidate;
    }
    return std::nullopt;
  }

  void worker() {
    HttpClient client({.timeout = plan_.timeout, .keep_alive = false});
    std::unique_lock lock(mutex_);
    while (auto task = next_task(lock)) {
      lock.unlock();
      const Outcome outcome = deliver(client, task->batch, task->attempt);
      lock.lock();
      --in_flight_;
      record(*task, outcome);
      cv_.notify_all();
    }
    cv_.notify_all();
  }

  std::string body(std::uint64_t batch, std::uint32_t attempt) const {
    const auto occurred =
        start_wall_ms_ +
        static_cast<std::int64_t>(1000.0 * static_cast<double>(batch) / plan_.rate_per_s);
    const json change = plan_.change_fields();
    json events = json::array();
    for (std::uint32_t k = 0; k < plan_.events_per_batch; ++k) {
      const std::int64_t event_id =
          first_event_id_ + static_cast<std::int64_t>(batch * plan_.events_per_batch + k);
      json event = {{"eventId", event_id},         {"subscriptionId", 1000 + id_},
                    {"portalId", plan_.portal_id}, {"appId", plan_.app_id},
                    {"occurredAt", occurred},      {"subscriptionType", plan_.subscription_type},
                    {"attemptNumber", attempt},    {"objectId", 5000 + event_id % 100000},
                    {"changeSource", "CRM"},       {"sourceId", "userId:1"}};
      event.update(change);
      if (plan_.campaign_id > 0) event["campaignId"] = plan_.campaign_id;
      events.push_back(std::move(event));
    }
    return events.dump();
  }

  Outcome deliver(HttpClient& client, std::uint64_t batch, std::uint32_t attempt) {
    const std::string payload = body(batch, attempt);
    const std::string timestamp = std::to_string(to_ms(wall_clock_()));
    // Signed as HubSpot does: after decoding the few escapes its v3 scheme decodes.
    const std::string uri =
        HubSpotSignature::decode_v3_uri("http://" + host_header_ + plan_.target.target);
    Headers headers{{"Content-Type", "application/json"},
                    {"X-HubSpot-Signature-v3", signer_.sign_v3("POST", uri, payload, timestamp)},
                    {"X-HubSpot-Request-Timestamp", timestamp},
                    {"X-HubSpot-Signature", signer_.sign_v1(payload)},
                    {"X-HubSpot-Signature-Version", "v1"}};
    Outcome out;
    try {
      out.status = client.post(plan_.target, payload, headers).status;
    } catch (const ClientError& e) {
      out.timed_out = e.timed_out();
      logger_.debug("webhook delivery failed",
                    {{"job_id", id_}, {"batch", batch}, {"attempt", attempt}, {"error", e.what()}});
    }
    return out;
  }

  void remember_ids(std::vector<std::int64_t>& ids, std::uint64_t batch) {
    for (std::uint32_t k = 0; k < plan_.events_per_batch; ++k) {
      ids.push_back(first_event_id_ +
                    static_cast<std::int64_t>(batch * plan_.events_per_batch + k));
    }
  }

  void record(const Retry& task, const Outcome& outcome) {
    ++attempts_;
    if (task.attempt > 0) ++retried_;
    if (task.attempt == 0) remember_ids(sent_ids_, task.batch);
    const char* result = "acked";
    if (outcome.status) {
      ++delivered_;
      ++statuses_[*outcome.status];
      if (*outcome.status < 200 || *outcome.status > 299) result = "error_status";
    } else {
      result = outcome.timed_out ? "timeout" : "connect_error";
      ++(outcome.timed_out ? timeouts_ : connect_errors_);
    }
    metrics_
        .counter("hubspot_webhook_attempts_total", "Webhook delivery attempts by result.",
                 {{"result", result}})
        .inc();
    if (std::string_view(result) == "acked") {
      ++acked_;
      remember_ids(acked_ids_, task.batch);
      metrics_.counter("hubspot_webhook_batches_total", "Batches settled.", {{"outcome", "acked"}})
          .inc();
    } else if (task.attempt < plan_.max_retries) {
      retries_.push({std::chrono::steady_clock::now() + backoff_.next_delay(task.attempt),
                     task.batch, task.attempt + 1});
    } else {
      ++failed_;
      metrics_.counter("hubspot_webhook_batches_total", "Batches settled.", {{"outcome", "failed"}})
          .inc();
      logger_.warn("webhook batch failed after retries",
                   {{"job_id", id_}, {"batch", task.batch}, {"attempts", task.attempt + 1}});
    }
  }

  const int id_;
  const EmitPlan plan_;
  const std::int64_t first_event_id_;
  Logger& logger_;
  MetricsRegistry& metrics_;
  WallClock wall_clock_;
  const HubSpotSignature signer_;
  Backoff backoff_;  // guarded by mutex_ (used in record)
  const std::string host_header_;
  const SteadyTime start_;
  const std::int64_t start_wall_ms_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stopped_ = false;
  std::uint64_t next_new_ = 0;
  std::uint64_t in_flight_ = 0;
  std::priority_queue<Retry, std::vector<Retry>, std::greater<>> retries_;
  std::uint64_t attempts_ = 0, delivered_ = 0, retried_ = 0, acked_ = 0, failed_ = 0;
  std::uint64_t timeouts_ = 0, connect_errors_ = 0;
  std::map<int, std::uint64_t> statuses_;
  std::vector<std::int64_t> sent_ids_, acked_ids_;
  std::vector<std::thread> workers_;
};

WebhookEmitter::WebhookEmitter(Logger& logger, MetricsRegistry& metrics, std::uint64_t seed,
                               std::int64_t first_event_id, WallClock wall_clock)
    : logger_(logger),
      metrics_(metrics),
      wall_clock_(wall_clock ? std::move(wall_clock) : WallClock(&std::chrono::system_clock::now)),
      seed_(seed),
      next_event_id_(first_event_id) {}

WebhookEmitter::~WebhookEmitter() { stop_all(); }

json WebhookEmitter::start(const EmitPlan& plan) {
  std::lock_guard lock(mutex_);
  std::size_t running = 0;
  for (const auto& job : jobs_) running += job->finished() ? 0 : 1;
  if (running >= kMaxRunningJobs) {
    throw ConfigError("at most " + std::to_string(kMaxRunningJobs) +
                      " emit jobs may run at once, " + std::to_string(running) + " are running");
  }
  const int id = static_cast<int>(jobs_.size()) + 1;
  const std::int64_t first = next_event_id_;
  auto job = std::make_unique<Job>(id, plan, first, seed_ + static_cast<std::uint64_t>(id), logger_,
                                   metrics_, wall_clock_);
  next_event_id_ += job->events();
  job->start();
  jobs_.push_back(std::move(job));
  return {{"job_id", id}, {"first_event_id", first}, {"events", next_event_id_ - first}};
}

void WebhookEmitter::stop_all() {
  std::lock_guard lock(mutex_);
  for (auto& job : jobs_) job->stop();
  for (auto& job : jobs_) job->join();
}

bool WebhookEmitter::idle() const {
  std::lock_guard lock(mutex_);
  for (const auto& job : jobs_) {
    if (!job->finished()) return false;
  }
  return true;
}

json WebhookEmitter::deliveries(bool with_ids) const {
  std::lock_guard lock(mutex_);
  static const char* kSummed[] = {"batches",  "attempts",       "delivered",   "retried",
                                  "acked",    "failed",         "pending",     "abandoned",
                                  "timeouts", "connect_errors", "events_sent", "events_acked"};
  json totals = json::object();
  for (const char* k : kSummed) totals[k] = 0;
  json jobs = json::array();
  json sent = json::array(), acked = json::array();
  bool idle = true;
  for (const auto& job : jobs_) {
    json s = job->summary(with_ids);
    idle = idle && job->finished();
    for (const char* k : kSummed)
      totals[k] = totals[k].get<std::uint64_t>() + s[k].get<std::uint64_t>();
    if (with_ids) {
      for (const auto& id : s["event_ids_sent"]) sent.push_back(id);
      for (const auto& id : s["event_ids_acked"]) acked.push_back(id);
      s.erase("event_ids_sent");
      s.erase("event_ids_acked");
    }
    jobs.push_back(std::move(s));
  }
  totals["idle"] = idle;
  totals["jobs"] = jobs;
  if (with_ids) {
    totals["event_ids_sent"] = sent;
    totals["event_ids_acked"] = acked;
  }
  return totals;
}

void WebhookEmitter::reset() {
  std::lock_guard lock(mutex_);
  for (const auto& job : jobs_) {
    if (!job->finished())
      throw ConfigError("deliveries cannot be reset while an emit job is running");
  }
  for (auto& job : jobs_) job->join();
  jobs_.clear();
}

}  // namespace gauntlet::mocks
