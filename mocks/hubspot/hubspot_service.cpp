#include "hubspot_service.hpp"

#include "gauntlet/config_error.hpp"
#include "gauntlet/mocks/http_error.hpp"

namespace gauntlet::mocks {
namespace {

std::int64_t first_event_id() {
  // Unique across restarts of the mock: milliseconds since the epoch, times 1000.
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::milliseconds>(now).count() * 1000;
}

}  // namespace

HubSpotService::HubSpotService(Router& router, Logger& logger, MetricsRegistry& metrics,
                               std::uint64_t seed)
    : emitter_(logger, metrics, seed, first_event_id()) {
  router.post("/__admin/emit", [this](const Request& req) {
    return Response::json(202, emitter_.start(EmitPlan::from_json(req.json_body())));
  });
  router.del("/__admin/emit", [this](const Request&) {
    emitter_.stop_all();
    return Response::json(200, emitter_.deliveries(false));
  });
  router.get("/__admin/deliveries", [this](const Request& req) {
    const std::string ids = req.query_value("ids").value_or("1");
    if (ids != "0" && ids != "1") throw HttpError(400, "ids must be 0 or 1, got " + ids);
    return Response::json(200, emitter_.deliveries(ids == "1"));
  });
  router.del("/__admin/deliveries", [this](const Request&) {
    try {
      emitter_.reset();
    } catch (const ConfigError& e) {
      throw HttpError(409, e.what());
    }
    return Response::json(200, emitter_.deliveries(false));
  });
}

nlohmann::json HubSpotService::stats() const {
  nlohmann::json out = emitter_.deliveries(false);
  out.erase("jobs");
  return out;
}

}  // namespace gauntlet::mocks
