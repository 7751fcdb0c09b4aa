#pragma once
// meta-publisher's HTTP API (see docs/platform-api/meta-publisher.md):
//   POST /v1/ad-changes        enqueue a change (202 new, 200 when the change id is known)
//   GET  /v1/ad-changes/{id}   its state: pending, applied or dead_letter
// plus table gauges on /metrics and a "meta_publisher" section in /__admin/stats.
#include <nlohmann/json.hpp>

#include "ad_change_store.hpp"
#include "gauntlet/mocks/metrics_registry.hpp"
#include "gauntlet/mocks/router.hpp"
#include "safe_executor.hpp"

namespace gauntlet::mocks {

class MetaPublisherService {
 public:
  // `executor` may be null (no workers in this process). Everything must outlive the server.
  MetaPublisherService(AdChangeStore& store, SafeExecutor* executor, Router& router,
                       MetricsRegistry& metrics);

  nlohmann::json stats();

 private:
  Response enqueue(const Request& req);
  Response status(const Request& req);

  AdChangeStore& store_;
  SafeExecutor* executor_;
};

}  // namespace gauntlet::mocks
