#pragma once
// hubspot: the admin API around WebhookEmitter (see docs/platform-api/hubspot.md):
//   POST   /__admin/emit        start a job (202)     DELETE /__admin/emit        stop all jobs
//   GET    /__admin/deliveries  counts and event ids  DELETE /__admin/deliveries  forget finished
//   jobs
#include <cstdint>
#include <nlohmann/json.hpp>

#include "gauntlet/mocks/logger.hpp"
#include "gauntlet/mocks/metrics_registry.hpp"
#include "gauntlet/mocks/router.hpp"
#include "webhook_emitter.hpp"

namespace gauntlet::mocks {

class HubSpotService {
 public:
  // Registers the routes on `router`; `logger`, `metrics` and `router` must outlive the service.
  HubSpotService(Router& router, Logger& logger, MetricsRegistry& metrics, std::uint64_t seed);

  // The "hubspot" section of /__admin/stats (totals, no ids).
  nlohmann::json stats() const;
  WebhookEmitter& emitter() noexcept { return emitter_; }

 private:
  WebhookEmitter emitter_;
};

}  // namespace gauntlet::mocks
