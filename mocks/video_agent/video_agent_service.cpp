#include "video_agent_service.hpp"

#include <charconv>

#include "gauntlet/mocks/http_error.hpp"

namespace gauntlet::mocks {
namespace {

std::int64_t parse_id(const std::string& text) {
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id < 1) {
    throw HttpError(400, "the render job id must be a positive integer, got \"" + text + "\"");
  }
  return id;
}

}  // namespace

VideoAgentService::VideoAgentService(RenderJobStore& store, RenderWorkerPool* workers,
                                     Router& router, MetricsRegistry& metrics)
    : store_(store), workers_(workers) {
  router.post("/v1/render-jobs", [this](const Request& req) { return enqueue(req); });
  router.get("/v1/render-jobs/{id}", [this](const Request& req) { return status(req); });
  for (const char* state : {"queued", "running"}) {
    // Read at scrape time; -1 tells a scraper the database could not be asked.
    metrics.gauge_callback("video_agent_jobs", "Render jobs by status.", {{"status", state}},
                           [this, state] {
                             try {
                               return store_.counts()[state].get<double>();
                             } catch (const std::exception&) {
                               return -1.0;
                             }
                           });
  }
}

Response VideoAgentService::enqueue(const Request& req) {
  const RenderJobRequest request =
      RenderJobRequest::from_json(req.json_body(), req.headers.get("Idempotency-Key"));
  const EnqueueResult result = store_.enqueue(request);
  if (result.created && workers_) workers_->wake();
  nlohmann::json body = store_.status(result.id).value_or(nlohmann::json{{"id", result.id}});
  body["created"] = result.created;
  Response res = Response::json(result.created ? 202 : 200, body);
  res.headers.set("Location", "/v1/render-jobs/" + std::to_string(result.id));
  return res;
}

Response VideoAgentService::status(const Request& req) {
  const std::int64_t id = parse_id(req.param("id"));
  auto body = store_.status(id);
  if (!body) throw HttpError(404, "render job " + std::to_string(id) + " does not exist");
  return Response::json(200, *body);
}

nlohmann::json VideoAgentService::stats() {
  nlohmann::json out = {{"workers", workers_ ? workers_->options().workers : 0}};
  try {
    out["jobs"] = store_.counts();
  } catch (const std::exception& e) {
    out["error"] = e.what();
  }
  return out;
}

}  // namespace gauntlet::mocks
