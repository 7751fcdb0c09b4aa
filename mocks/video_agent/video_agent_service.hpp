#pragma once
// video-agent's HTTP API (see docs/platform-api/video-agent.md):
//   POST /v1/render-jobs        enqueue (202 created, 200 when the idempotency key names a job)
//   GET  /v1/render-jobs/{id}   status polling
// plus queue-depth gauges on /metrics and a "video_agent" section in /__admin/stats.
#include <nlohmann/json.hpp>

#include "gauntlet/mocks/metrics_registry.hpp"
#include "gauntlet/mocks/router.hpp"
#include "render_job_store.hpp"
#include "render_worker_pool.hpp"

namespace gauntlet::mocks {

class VideoAgentService {
 public:
  // Registers the routes and gauges. Everything passed in must outlive the server's use of the
  // router and registry; `workers` may be null (no rendering in this process).
  VideoAgentService(RenderJobStore& store, RenderWorkerPool* workers, Router& router,
                    MetricsRegistry& metrics);

  nlohmann::json stats();

 private:
  Response enqueue(const Request& req);
  Response status(const Request& req);

  RenderJobStore& store_;
  RenderWorkerPool* workers_;
};

}  // namespace gauntlet::mocks
