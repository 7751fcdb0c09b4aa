#include "meta_publisher_service.hpp"

#include "gauntlet/mocks/http_error.hpp"

namespace gauntlet::mocks {

MetaPublisherService::MetaPublisherService(AdChangeStore& store, SafeExecutor* executor,
                                           Router& router, MetricsRegistry& metrics)
    : store_(store), executor_(executor) {
  router.post("/v1/ad-changes", [this](const Request& req) { return enqueue(req); });
  router.get("/v1/ad-changes/{id}", [this](const Request& req) { return status(req); });
  for (const char* table : {"pending", "applied", "dead_letter"}) {
    // Read at scrape time; -1 tells a scraper the database could not be asked.
    metrics.gauge_callback("meta_publisher_changes", "Ad changes by state.", {{"state", table}},
                           [this, table] {
                             try {
                               return store_.counts()[table].get<double>();
                             } catch (const std::exception&) {
                               return -1.0;
                             }
                           });
  }
}

Response MetaPublisherService::enqueue(const Request& req) {
  const AdChangeRequest request =
      AdChangeRequest::from_json(req.json_body(), req.headers.get("Idempotency-Key"));
  const AdChangeEnqueued result = store_.enqueue(request);
  if (result.created && executor_) executor_->wake();
  Response res =
      Response::json(result.created ? 202 : 200,
                     {{"id", result.id}, {"state", result.state}, {"created", result.created}});
  res.headers.set("Location", "/v1/ad-changes/" + result.id);
  return res;
}

Response MetaPublisherService::status(const Request& req) {
  const std::string& id = req.param("id");
  auto body = store_.status(id);
  if (!body) throw HttpError(404, "ad change " + id + " does not exist");
  return Response::json(200, *body);
}

nlohmann::json MetaPublisherService::stats() {
  nlohmann::json out = {{"workers", executor_ ? executor_->options().workers : 0}};
  if (executor_) out["executor"] = executor_->options().to_json();
  try {
    out["changes"] = store_.counts();
  } catch (const std::exception& e) {
    out["error"] = e.what();
  }
  return out;
}

}  // namespace gauntlet::mocks
