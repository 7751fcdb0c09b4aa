#include "webhook_forwarder.hpp"

#include <pqxx/pqxx>

#include "gauntlet/mocks/db.hpp"

namespace gauntlet::mocks {

using nlohmann::json;

WebhookForwarder::WebhookForwarder(ConnectionPool& pool, Downstream* ml_service,
                                   ForwarderOptions options, Logger& logger)
    : pool_(pool), ml_service_(ml_service), options_(options), logger_(logger) {}

WebhookForwarder::~WebhookForwarder() { stop(); }

void WebhookForwarder::start() {
  if (ml_service_) thread_.start(1, [this](int) { run(); });
}

void WebhookForwarder::stop() { thread_.stop(); }

void WebhookForwarder::wake() { thread_.wake(); }

void WebhookForwarder::run() {
  std::uint64_t seen_wakes = 0;  // a wake() while a batch is forwarded is not lost
  for (;;) {
    int settled = 0;
    try {
      settled = forward_once();
    } catch (const std::exception& e) {
      logger_.error("webhook forwarding failed", {{"error", e.what()}});
    }
    // A full batch suggests more are due: go on at once.
    const std::chrono::nanoseconds wait =
        settled < options_.batch ? options_.poll_interval : std::chrono::nanoseconds(0);
    if (!thread_.wait_for_wake(wait, seen_wakes)) return;
  }
}

int WebhookForwarder::forward_once() {
  if (!ml_service_) return 0;
  return in_transaction(pool_, [&](pqxx::work& tx) {
    const pqxx::result due = tx.exec_params(
        "SELECT event_id, payload::text, forward_attempts FROM webhook_events "
        "WHERE source = 'hubspot' AND processed_at IS NULL AND next_forward_at <= now() "
        "ORDER BY received_at FOR UPDATE SKIP LOCKED LIMIT $1",
        options_.batch);
    int settled = 0;
    for (const auto& row : due) {
      const HubSpotEvent event{row[0].as<std::string>(), json::parse(row[1].as<std::string>())};
      const int attempts = row[2].as<int>() + 1;
      const DownstreamResult r = ml_service_->call(
          "POST", "/v1/feedback", feedback_for(event, options_.mapping).dump(),
          {{"Content-Type", "application/json"}, {"Idempotency-Key", "hubspot:" + event.event_id}},
          true);
      const bool answered = r.kind == DownstreamResult::Kind::kResponse;
      const int status = answered ? r.response.status : 0;
      const bool final_answer = answered && status < 500 && status != 429;
      const bool give_up = !final_answer && attempts >= options_.max_attempts;
      const std::string error =
          final_answer && status < 300 ? std::string()
          : answered ? "HTTP " + std::to_string(status) + ": " + r.response.body.substr(0, 300)
                     : (r.error.empty() ? "ml-service breaker open" : r.error);
      const auto backoff_ms = options_.retry_base.count() << std::min(attempts - 1, 10);
      tx.exec_params(
          "UPDATE webhook_events SET forward_attempts = $2, forward_status = NULLIF($3, 0), "
          "last_error = NULLIF($4, ''), "
          "  processed_at = CASE WHEN $5 THEN now() END, next_forward_at = now() + $6 * interval "
          "'1 millisecond' "
          "WHERE source = 'hubspot' AND event_id = $1",
          event.event_id, attempts, status, error, final_answer || give_up, backoff_ms);
      if (final_answer || give_up) ++settled;
    }
    return settled;
  });
}

}  // namespace gauntlet::mocks
