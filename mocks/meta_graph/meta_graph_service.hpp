#pragma once
// meta-graph: the subset of Meta's Graph (Marketing) API the platform uses, in memory.
// Registers its routes on a Router (so tests can drive it without a socket); see
// docs/platform-api/meta-graph.md for every endpoint.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gauntlet/mocks/metrics_registry.hpp"
#include "gauntlet/mocks/router.hpp"
#include "graph_insights.hpp"
#include "graph_rate_limiter.hpp"
#include "graph_store.hpp"

namespace gauntlet::mocks {

struct MetaGraphOptions {
  RateLimitConfig limits;
  std::chrono::milliseconds report_duration{500};  // how long an async report run takes
  double report_fail_rate = 0.0;                   // fraction of report runs ending "Job Failed"
  bool require_token = false;                      // refuse calls without access_token (#190)
  std::size_t max_batch = 50;
  std::uint64_t seed = 1;
};

class MetaGraphService {
 public:
  // Registers the Graph routes and the /__admin/ routes of meta-graph on `router`, installs
  // Meta's error envelope as the router's error formatter, and registers metrics. `router` and
  // `metrics` must outlive the service; the service must outlive the server's use of the router.
  MetaGraphService(MetaGraphOptions options, Router& router, MetricsRegistry& metrics);

  // The "meta_graph" section of /__admin/stats.
  nlohmann::json stats() const;

 private:
  using Body = std::function<nlohmann::json(const Request&, const nlohmann::json& params,
                                            const std::string& account)>;
  enum class AccountFrom { kRoute, kObjectId, kNone };

  void register_graph_routes();  // creates and lists, batch; calls the two below
  void register_object_routes();
  void register_insights_routes();
  void register_admin_routes();
  void register_forced_fault_routes();  // /__admin/throttle and /__admin/failing_objects
  // Wraps a Graph handler: params, token check, rate limit, usage headers, idempotency log,
  // GraphError -> Meta's envelope.
  Handler graph(CallType type, AccountFrom from, Body body);
  Response error_response(const GraphError& e);
  std::string fbtrace_id();
  // `code` is the Graph error code of a refusal (0 for a success); `usage` the headers sent, whose
  // stated wait a throttled record keeps (wait_ms), so a checker can tell whether a client
  // called again before it was told it might.
  // `params` are what the call carried (access_token left out), so a checker can see what was
  // applied (e.g. each daily_budget step).
  void record_idempotency(const Request& req, int status, const nlohmann::json& result, int code,
                          const Headers& usage, const nlohmann::json& params);
  // Throws the transient #2 (HTTP 503) when the call names an object of failing_objects_.
  void fail_if_failing_object(const Request& req) const;

  nlohmann::json list(ObjectKind kind, const Request& req, const nlohmann::json& params,
                      const std::string& account, const std::string& parent) const;
  // What insights rows describe for `object_id` ("act_<account>" or an object id) at `level`.
  std::vector<InsightsSubject> insights_subjects(const std::string& account,
                                                 const std::string& object_id,
                                                 const std::string& level) const;
  nlohmann::json insights(const Request& req, const nlohmann::json& params,
                          const std::string& account);
  nlohmann::json create_report_run(const Request& req, const nlohmann::json& params,
                                   const std::string& account);
  Response batch(const Request& req);

  MetaGraphOptions options_;
  Router& router_;
  MetricsRegistry& metrics_;
  GraphStore store_;
  GraphRateLimiter limiter_;

  mutable std::mutex mutex_;  // guards rng_, idempotency_ and failing_objects_
  std::mt19937_64 rng_;
  struct KeyUse {
    std::uint64_t count = 0;
    // {"method","path","status","object_id","code","at_ms","wait_ms","params"}: at_ms is when the
    // answer was made (Unix ms), wait_ms what its usage headers told the caller to wait (refusals
    // only).
    std::vector<nlohmann::json> requests;
  };
  std::map<std::string, KeyUse> idempotency_;
  // Object ids whose every call answers #2 (HTTP 503): a test's "Meta keeps failing this ad".
  std::set<std::string> failing_objects_;
};

}  // namespace gauntlet::mocks
