#pragma once
// Forwards recorded HubSpot events (webhook_events with processed_at NULL) to ml-service's
// POST /v1/feedback, at least once, off the webhook's request path. A batch of due events is
// claimed FOR UPDATE SKIP LOCKED (several gateway processes share the work) and each event is
// sent with Idempotency-Key "hubspot:<eventId>" (ml-service dedups by event id, so at-least-once
// delivery applies feedback once). 2xx or a 4xx other than 429 marks the event processed (a
// refusal is final and kept in forward_status/last_error); anything else is retried with
// exponential backoff until max_attempts, then given up and marked processed with the error.
#include <chrono>
#include <cstdint>

#include "downstream.hpp"
#include "gauntlet/mocks/logger.hpp"
#include "gauntlet/mocks/worker_threads.hpp"
#include "gauntlet/pg/connection_pool.hpp"
#include "hubspot_webhook.hpp"

namespace gauntlet::mocks {

struct ForwarderOptions {
  std::chrono::milliseconds poll_interval{100};
  int batch = 20;
  int max_attempts = 10;
  std::chrono::milliseconds retry_base{500};
  FeedbackMapping mapping;
};

class WebhookForwarder {
 public:
  // `ml_service` may be null: events stay recorded and unforwarded. Everything must outlive it.
  WebhookForwarder(ConnectionPool& pool, Downstream* ml_service, ForwarderOptions options,
                   Logger& logger);
  ~WebhookForwarder();  // stop()
  WebhookForwarder(const WebhookForwarder&) = delete;
  WebhookForwarder& operator=(const WebhookForwarder&) = delete;

  void start();
  void stop();
  void wake();
  // One batch, synchronously: returns how many events were settled (forwarded or given up).
  int forward_once();

 private:
  void run();

  ConnectionPool& pool_;
  Downstream* ml_service_;
  const ForwarderOptions options_;
  Logger& logger_;
  WorkerThreads thread_;
};

}  // namespace gauntlet::mocks
