// Service communication under load, through the gateway as a client would drive it: every
// virtual user calls each of the five backends in turn, one step per backend (drive-intel,
// video-agent, meta-publisher, ml-service, titan-core): a write on every `write_every`-th
// iteration and a read-back of what it wrote otherwise; ad changes are paced for the whole run
// (`ad_changes_per_s`) under meta-publisher's own rate. What the platform acknowledged (render
// jobs, ad changes, feedback events) goes into the ledger and is checked for integrity after the
// load; the server gates add the database's and the services' side. Around that load: request
// ids looked for in the backends' logs, the gateway's circuit breaker opening, probing and
// closing around a failing titan-core, and meta-publisher stalled with SIGSTOP. Labels:
// infrastructure, services.
#include <signal.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "fixtures/checkers/ledger.hpp"
#include "fixtures/checkers/platform_integrity.hpp"
#include "fixtures/flow_http.hpp"
#include "fixtures/flow_run.hpp"
#include "fixtures/platform.hpp"
#include "fixtures/platform_checks.hpp"
#include "fixtures/platform_environment.hpp"
#include "fixtures/service_logs.hpp"
#include "fixtures/test_campaign.hpp"
#include "gauntlet/gtest/stress_fixture.hpp"
#include "gauntlet/http/client.hpp"
#include "gauntlet/http/request.hpp"

namespace gauntlet {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

const PlatformEnvironment* const kEnvironment = PlatformEnvironment::install();

// The five backends, in the order an iteration calls them (titan-core last, so that its failures
// end an iteration only after the other four were called).
constexpr std::array<Service, 5> kOrder = {Service::kDriveIntel, Service::kVideoAgent,
                                           Service::kMetaPublisher, Service::kMlService,
                                           Service::kTitanCore};

double seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

// A random UUID (version 4): ad change ids are UUIDs.
std::string uuid4() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  const std::uint64_t a = rng();
  const std::uint64_t b = rng();
  char out[37];
  std::snprintf(out, sizeof out, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0x0fff),
                static_cast<unsigned>(((b >> 48) & 0x3fff) | 0x8000),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return out;
}

// What one virtual user wrote last, to read back on the iterations that do not write.
struct VuState {
  std::optional<std::int64_t> video_id;
  std::optional<std::int64_t> render_job_id;
  std::string ad_change_id;
  std::optional<std::int64_t> prediction_id;
};

// A request id the load sent, and the backend it was routed to.
struct SentId {
  Service service;
  std::string id;
};

// The load: one step per backend, through the gateway.
class Mix {
 private:
  // One iteration's way of calling: its client, its request id (empty: none).
  struct Call {
    Mix& mix;
    Client& client;
    std::string request_id;

    Response send(Service service, const char* method, const std::string& path, const json& body,
                  const std::string& idempotency_key = {}) {
      Request request;
      request.method = method;
      request.url = mix.gateway_ + path;
      request.headers.push_back({"Accept", "application/json"});
      if (!body.is_null()) {
        request.headers.push_back({"Content-Type", "application/json"});
        request.body = body.dump();
      }
      if (!idempotency_key.empty()) request.headers.push_back({"Idempotency-Key", idempotency_key});
      std::string id;
      if (!request_id.empty()) {
        // One id per call, so each can be looked for in the one log it must reach.
        id = request_id + "-" + std::to_string(++calls);
        request.headers.push_back({"X-Request-Id", id});
      }
      const auto started = Steady::now();
      Response r = client.send(request);
      if (!id.empty()) {
        std::lock_guard lock(mix.mutex_);
        mix.sent_.push_back({service, id});
      }
      if (mix.observer_) mix.observer_(service, method, r, started);
      return r;
    }

    json json_answer(Service service, const char* method, const std::string& path, const json& body,
                     long status, const std::string& idempotency_key = {}) {
      return expect_json(send(service, method, path, body, idempotency_key), status,
                         std::string(method) + " " + path);
    }

    int calls = 0;
  };

 public:
  // Called with every answer of every call: the backend, the method, the answer, when the call
  // started.
  using Observer =
      std::function<void(Service, std::string_view, const Response&, Steady::time_point)>;

  Mix(const Platform& platform, const TestCampaign& campaign, Ledger& ledger, std::string tag,
      std::int64_t vus, std::int64_t write_every, double ad_changes_per_s,
      std::int64_t request_id_every)
      : gateway_(platform.url(Service::kGateway)),
        campaign_(campaign),
        ledger_(ledger),
        tag_(std::move(tag)),
        write_every_(write_every),
        request_id_every_(request_id_every),
        state_(static_cast<std::size_t>(vus)),
        ad_changes_per_s_(ad_changes_per_s) {}

  void observe(Observer observer) { observer_ = std::move(observer); }

  // Ad changes are paced for the whole run: meta-publisher applies them at --rate-per-s (20/s by
  // default), and a faster stream would leave a backlog the drain counts as stuck. A virtual user
  // queues one when the run is behind ad_changes_per_s (so after a stall, the first calls are
  // writes), and always for its first.
  bool take_ad_change_slot(bool force) {
    const auto now = Steady::now();
    Steady::time_point expected{};
    started_.compare_exchange_strong(expected, now);
    const double allowed = 1 + seconds(now - started_.load()) * ad_changes_per_s_;
    std::int64_t queued = ad_change_slots_.load();
    while (force || static_cast<double>(queued) < allowed) {
      if (ad_change_slots_.compare_exchange_weak(queued, queued + 1)) return true;
    }
    return false;
  }

  void iteration(IterationContext& ctx, Client& client) {
    VuState& st = state_.at(static_cast<std::size_t>(ctx.vu_id()));
    const bool write = ctx.vu_iteration() % write_every_ == 0;
    const std::string n = std::to_string(ctx.iteration());
    const bool send_id = request_id_every_ > 0 && ctx.iteration() % request_id_every_ == 0;
    Call call{*this, client, send_id ? tag_ + "-rid-" + n : std::string()};

    ctx.step("drive-intel", [&] {
      if (write || !st.video_id) {
        const json video = call.json_answer(Service::kDriveIntel, "POST", "/api/v1/videos",
                                            {{"source_ref", tag_ + "-v-" + n},
                                             {"duration_ms", 12'000},
                                             {"campaign_id", campaign_.id}},
                                            201);
        st.video_id = video.at("id").get<std::int64_t>();
      } else {
        call.json_answer(Service::kDriveIntel, "GET",
                         "/api/v1/videos/" + std::to_string(*st.video_id), nullptr, 200);
      }
    });
    ctx.step("video-agent", [&] {
      if (write || !st.render_job_id) {
        const std::string key = tag_ + "-r-" + n;
        const json job = call.json_answer(Service::kVideoAgent, "POST", "/api/v1/render-jobs",
                                          {{"campaign_id", campaign_.id},
                                           {"prompt", "A short ad for trail shoes, cut " + n},
                                           {"duration_s", 1},
                                           {"idempotency_key", key}},
                                          202);
        st.render_job_id = job.at("id").get<std::int64_t>();
        ledger_.append(ledger_kind::kRenderJob, std::to_string(*st.render_job_id), key);
      } else {
        call.json_answer(Service::kVideoAgent, "GET",
                         "/api/v1/render-jobs/" + std::to_string(*st.render_job_id), nullptr, 200);
      }
    });
    ctx.step("meta-publisher", [&] {
      if (take_ad_change_slot(st.ad_change_id.empty())) {
        st.ad_change_id =
            queue_ad_change(&ctx, call, ctx.iteration() % 2 == 0 ? "active" : "paused");
      } else {
        call.json_answer(Service::kMetaPublisher, "GET", "/api/v1/ad-changes/" + st.ad_change_id,
                         nullptr, 200);
      }
    });
    ctx.step("ml-service", [&] {
      if (write || !st.prediction_id) {
        const json prediction = call.json_answer(
            Service::kMlService, "POST", "/api/v1/predictions",
            {{"features", {{"duration_s", 15}, {"hook_strength", 0.1 * (ctx.iteration() % 10)}}},
             {"campaign_id", campaign_.id}},
            201);
        st.prediction_id = prediction.at("id").get<std::int64_t>();
        const std::string event = tag_ + "-evt-" + n;
        call.json_answer(Service::kMlService, "POST", "/api/v1/feedback",
                         {{"event_id", event},
                          {"campaign_id", campaign_.id},
                          {"arm_id", "arm-" + std::to_string(ctx.iteration() % 3)},
                          {"reward", ctx.iteration() % 2}},
                         201);
        ledger_.append(ledger_kind::kFeedback, event);
      } else {
        call.json_answer(Service::kMlService, "GET",
                         "/api/v1/predictions/" + std::to_string(*st.prediction_id), nullptr, 200);
        call.json_answer(Service::kMlService, "POST", "/api/v1/budget/allocate",
                         {{"campaign_id", campaign_.id},
                          {"budget_minor", 100'000},
                          {"arms", {"arm-0", "arm-1", "arm-2"}}},
                         200);
      }
    });
    ctx.step("titan-core", [&] {
      if (write) {
        const Response r = call.send(Service::kTitanCore, "POST", "/api/v1/dna/extract",
                                     {{"video_id", *st.video_id}});
        if (r.status != 200) expect_json(r, 201, "POST /api/v1/dna/extract");  // 200: a repeat
      } else {
        // An Idempotency-Key makes the gateway retry the search after a 502/503/504.
        call.json_answer(Service::kTitanCore, "POST", "/api/v1/rag/search",
                         {{"query", "trail shoes hook " + n}, {"k", 3}}, 200, tag_ + "-q-" + n);
      }
    });
  }

  // Queues an ad change with an id of its own and sends it again (same id) until the platform
  // acknowledges it, at most `attempts` times: a call that timed out may or may not have been
  // taken, and only a repeat of the same id can tell without making a second change.
  // Queues an ad change with an id of its own and sends it again (same id) until the platform
  // acknowledges it, at most `attempts` times: a call that timed out may or may not have been
  // taken, and only a repeat of the same id can tell without making a second change. Throws
  // StepFailure when it was not acknowledged. `ctx` may be null (a write outside the load).
  std::string queue_ad_change(IterationContext* ctx, Call& call, const char* status,
                              int attempts = 3) {
    const std::string id = uuid4();
    const json body = {{"change_id", id},
                       {"campaign_id", campaign_.id},
                       {"change_type", "status"},
                       {"payload", {{"status", status}}}};
    for (int attempt = 1;; ++attempt) {
      const Response r = call.send(Service::kMetaPublisher, "POST", "/api/v1/ad-changes", body, id);
      if (r.status == 202 || r.status == 200) {
        const json change = expect_json(r, r.status, "POST /api/v1/ad-changes");
        if (change.value("id", "") != id) {
          throw StepFailure(ErrorClass::kBodyMismatch,
                            "ad change acknowledged as " + change.value("id", "") + ", sent " + id);
        }
        ledger_.append(ledger_kind::kAdChange, id);
        if (ctx) ctx->count("ad_changes_queued");
        return id;
      }
      if (attempt >= attempts || (ctx && ctx->stop_requested()) ||
          (r.status >= 400 && r.status < 500)) {
        expect_json(r, 202, "POST /api/v1/ad-changes");  // throws with the answer's class
      }
      if (ctx) ctx->count("ad_change_resends");
    }
  }

  // An ad change queued from outside the load (a fault's own writes, e.g. sent while a service
  // is stopped), sent and resent as the load's are. True when acknowledged (it is then in the
  // ledger).
  bool queue_ad_change_outside(Client& client, const char* status) {
    Call call{*this, client, {}};
    try {
      queue_ad_change(nullptr, call, status);
      return true;
    } catch (const std::exception&) {
      return false;  // not acknowledged: if it was applied anyway, it counts as unexpected
    }
  }

  std::vector<SentId> sent_ids() const {
    std::lock_guard lock(mutex_);
    return sent_;
  }

  const std::string& gateway() const { return gateway_; }
  const Ledger& ledger() const { return ledger_; }
  Ledger& ledger() { return ledger_; }

 private:
  const std::string gateway_;
  const TestCampaign& campaign_;
  Ledger& ledger_;
  const std::string tag_;
  const std::int64_t write_every_;
  const std::int64_t request_id_every_;
  std::vector<VuState> state_;  // by virtual user; each touched by its own thread only
  Observer observer_;
  const double ad_changes_per_s_;
  std::atomic<Steady::time_point> started_{};
  std::atomic<std::int64_t> ad_change_slots_{0};
  mutable std::mutex mutex_;
  std::vector<SentId> sent_;
};

struct MixSize {
  std::int64_t vus = 1;
  std::chrono::nanoseconds duration{0};
  std::int64_t write_every = 1;  // drive-intel, video-agent, ml-service, titan-core
  double ad_changes_per_s = 1;   // meta-publisher
};

// What a test adds to the load: set-up of the mix (an observer), a fault on a thread of its own
// started with the load, and figures of its own read after the load.
struct MixHooks {
  std::function<void(Mix&)> before;
  std::function<void(Mix&)> during;
  std::function<std::vector<Figure>(Mix&)> figures;
  std::function<void(Mix&)> inject;   // a wrong state fed to the checkers after the load
  std::int64_t request_id_every = 0;  // every n-th iteration sends its own X-Request-Id; 0: none
};

class ServiceCommunicationStress : public StressFixture {
 protected:
  MixSize size() {
    return {param("vus", {4, 8, 32}, 1, 256), param("duration", {6s, 15s, 10min}, 1s, 24h),
            param("write_every", {3, 3, 3}, 1, 1000),
            number_param("ad_changes_per_s", {10, 10, 15}, 0.1, 1000)};
  }

  // The thresholds every run holds: integrity of what was acknowledged and the server gates, on
  // top of the test's own.
  Plan plan(const std::string& name, MixSize s, std::vector<std::string> thresholds) const {
    Plan p{.name = name,
           .model = ClosedModel{.vus = s.vus, .duration = s.duration},
           .thresholds = std::move(thresholds)};
    add_platform_checks(p, PlatformEnvironment::platform());
    p.metrics.push_back({"ad_changes_queued", MetricKind::kCounter});
    p.metrics.push_back({"ad_change_resends", MetricKind::kCounter});
    return p;
  }

  RunResult run_mix(const Plan& p, MixSize s, const MixHooks& hooks, RunOptions options = {}) {
    FlowRun flow(
        PlatformEnvironment::platform(),
        {.vus = s.vus, .authorization = PlatformEnvironment::platform().seed().authorization()});
    Mix mix(flow.platform(), flow.campaign(), flow.ledger(), flow.tag(), s.vus, s.write_every,
            s.ad_changes_per_s, hooks.request_id_every);
    if (hooks.before) hooks.before(mix);
    if (hooks.during) flow.during([&] { hooks.during(mix); });
    if (hooks.inject) flow.inject([&] { hooks.inject(mix); });
    if (hooks.figures) flow.check([&] { return hooks.figures(mix); });
    return run(
        p, [&](IterationContext& ctx) { mix.iteration(ctx, flow.client(ctx)); },
        flow.arm(std::move(options)));
  }
};

// Every backend through the gateway at once: each step's p95 and the error rate hold, and what
// was acknowledged is applied once.
TEST_F(ServiceCommunicationStress, AllBackendsThroughTheGatewayHoldLatency) {
  const MixSize s = size();
  run_mix(
      plan("service-communication", s,
           {"error_rate<1%", "drive-intel: p(95)<500ms", "video-agent: p(95)<500ms",
            "meta-publisher: p(95)<500ms", "ml-service: p(95)<500ms", "titan-core: p(95)<500ms"}),
      s, {});
}

// A sample of the calls carry their own X-Request-Id; after the load, each id must be in the log
// of the backend its call was routed to (gateway.md: the id is sent to the downstream). The
// reference mocks do not write request ids to their logs (common.md promises no such line), so
// against them this test fails with every id missing until they do.
TEST_F(ServiceCommunicationStress, RequestIdsReachTheBackendsLogs) {
  Platform& platform = PlatformEnvironment::platform();
  for (const Service s : kOrder) {
    if (!platform.is_managed(s)) {
      GTEST_SKIP() << "skipped: " << service_name(s) << " is external (" << service_url_variable(s)
                   << "); its log cannot be read";
    }
  }
  const MixSize s = size();
  MixHooks hooks;
  hooks.request_id_every = param("request_id_every", {2, 10, 100}, 1, 1'000'000);
  hooks.figures = [&](Mix& mix) {
    std::vector<SentId> sent = mix.sent_ids();
    std::vector<std::string> missing;
    for (const Service service : kOrder) {
      std::vector<std::string> ids;
      for (const SentId& id : sent) {
        if (id.service == service) ids.push_back(id.id);
      }
      const std::string log = read_text_file(platform.log_path(service).string());
      for (std::string& id : request_ids_missing_from_log(log, ids)) {
        missing.push_back(std::string(service_name(service)) + ":" + id);
      }
    }
    const double n = static_cast<double>(missing.size());
    if (missing.size() > 5) missing.resize(5);
    return std::vector<Figure>{{"request_ids_sent", static_cast<double>(sent.size()), {}},
                               {"request_ids_missing", n, std::move(missing)}};
  };
  Plan p = plan("service-communication-request-ids", s,
                {"error_rate<1%", "request_ids_sent>=1", "request_ids_missing==0"});
  p.metrics.push_back({"request_ids_sent", MetricKind::kFigure});
  p.metrics.push_back({"request_ids_missing", MetricKind::kFigure});
  RunOptions options;
  options.label = "request_ids";
  run_mix(p, s, hooks, options);
}

// titan-core answers every call 503 for a while: the gateway's breaker opens after
// --breaker-failures consecutive failures, lets one probe through after --breaker-open-ms (which
// fails and opens it again), and closes once the fault is gone. The transitions are read from
// the gateway's /__admin/stats, sampled every 10 ms; the recovery from the load's own answers.
// The other four backends are not affected.
TEST_F(ServiceCommunicationStress, BreakerOpensOnFailingTitanCoreAndClosesAfterRecovery) {
  Platform& platform = PlatformEnvironment::platform();
  const MixSize s = size();
  // Must be the gateway's --breaker-open-ms: the platform fixture starts it with 1000.
  const auto open_for = param("breaker_open", {1s, 1s, 1s}, 1ms, 1h);
  const auto fault_at = param("fault_at", {1500ms, 5s, 30s}, 0s, 1h);
  const auto fault_for = param("fault_for", {2500ms, 6s, 60s}, 1ms, 1h);
  const std::string titan = platform.url(Service::kTitanCore);
  const std::string stats_url = platform.url(Service::kGateway) + "/__admin/stats";
  const std::string downstream(service_name(Service::kTitanCore));

  const auto origin = Steady::now();
  std::atomic<std::int64_t> fault_on_ns{-1};
  std::atomic<std::int64_t> fault_off_ns{-1};
  std::atomic<std::int64_t> first_ok_after_ns{-1};  // end of the first success started after off
  std::vector<BreakerSample> samples;               // written by the sampler, read after it joined
  std::atomic<bool> sampling{true};
  std::atomic<bool> fault_failed{false};
  std::atomic<std::int64_t> circuit_open_answers{0};  // the gateway's own 503
  std::atomic<std::int64_t> backend_503_answers{0};   // titan-core's 503, passed on

  MixHooks hooks;
  hooks.before = [&](Mix& mix) {
    mix.observe(
        [&](Service service, std::string_view, const Response& r, Steady::time_point started) {
          if (service != Service::kTitanCore) return;
          if (r.status == 503) {
            const bool open = r.body.find("circuit open") != std::string::npos;
            // Counted per answer; the iteration's step counts the failure itself.
            (open ? circuit_open_answers : backend_503_answers).fetch_add(1);
          }
          const std::int64_t off = fault_off_ns.load();
          if (r.status >= 200 && r.status < 300 && off >= 0 && (started - origin).count() >= off) {
            const std::int64_t end = (Steady::now() - origin).count();
            std::int64_t expected = -1;
            first_ok_after_ns.compare_exchange_strong(expected, end);
          }
        });
  };
  hooks.during = [&](Mix&) {
    Client admin;
    std::jthread sampler([&] {
      Client c;
      while (sampling.load()) {
        const Response r = c.get(stats_url);
        const auto at = Steady::now() - origin;
        if (const auto body = r.json(); r.status == 200 && body) {
          const json b = body->value("gateway", json::object())
                             .value("downstreams", json::object())
                             .value(downstream, json::object());
          if (b.contains("state")) {
            samples.push_back({at, b.value("state", ""), b.value("opened", std::int64_t{0})});
          }
        }
        std::this_thread::sleep_for(10ms);
      }
    });
    std::this_thread::sleep_for(fault_at);
    const Response on =
        admin.post_json(titan + "/__admin/faults", {{"error_rate", 1.0}, {"error_status", 503}});
    fault_on_ns = (Steady::now() - origin).count();
    std::this_thread::sleep_for(fault_for);
    const Response off = admin.post_json(titan + "/__admin/faults", {{"reset", true}});
    fault_off_ns = (Steady::now() - origin).count();
    if (on.status != 200 || off.status != 200) fault_failed = true;
    // Keep sampling until the breaker could have probed and closed.
    std::this_thread::sleep_for(open_for + 2s);
    sampling = false;
  };
  hooks.figures = [&](Mix&) {
    std::vector<Figure> out;
    if (fault_failed || fault_on_ns < 0 || fault_off_ns < 0) return out;  // figures missing
    const std::chrono::nanoseconds on(fault_on_ns.load());
    const std::chrono::nanoseconds off(fault_off_ns.load());
    const BreakerTransitions t = breaker_transitions(samples, on, off);
    out.push_back({"breaker_samples", static_cast<double>(samples.size()), {}});
    if (t.opened) out.push_back({"breaker_open_s", seconds(*t.opened - on), {}});
    if (t.opened && t.reopened)
      out.push_back({"breaker_probe_s", seconds(*t.reopened - *t.opened), {}});
    if (t.closed) out.push_back({"breaker_closed_s", seconds(*t.closed - off), {}});
    if (first_ok_after_ns >= 0) {
      out.push_back({"breaker_close_s",
                     seconds(std::chrono::nanoseconds(first_ok_after_ns.load()) - off),
                     {}});
    }
    out.push_back(
        {"titan_core_circuit_open", static_cast<double>(circuit_open_answers.load()), {}});
    out.push_back({"titan_core_backend_503", static_cast<double>(backend_503_answers.load()), {}});
    return out;
  };

  const double open_s = seconds(open_for);
  const auto limit = [](const char* name, const char* op, double v) {
    char text[96];
    std::snprintf(text, sizeof text, "%s%s%.3f", name, op, v);
    return std::string(text);
  };
  Plan p =
      plan("service-communication-breaker", s,
           {"drive-intel: error_rate<1%", "video-agent: error_rate<1%",
            "meta-publisher: error_rate<1%", "ml-service: error_rate<1%",
            "titan_core_backend_503>=1", "titan_core_circuit_open>=1", "breaker_open_s<2",
            limit("breaker_probe_s", ">=", open_s * 0.9), limit("breaker_probe_s", "<", open_s + 2),
            limit("breaker_closed_s", "<", open_s + 2), limit("breaker_close_s", "<", open_s + 2)});
  for (const char* n : {"breaker_samples", "breaker_open_s", "breaker_probe_s", "breaker_closed_s",
                        "breaker_close_s", "titan_core_circuit_open", "titan_core_backend_503"}) {
    p.metrics.push_back({n, MetricKind::kFigure});
  }
  RunOptions options;
  options.label = "titan_core_breaker";
  run_mix(p, s, hooks, options);
}

// Sends SIGCONT to a stopped process when it goes out of scope, whatever happened meanwhile: a
// failed assertion or an exception must never leave a service of the shared platform stopped.
class StoppedProcess {
 public:
  StoppedProcess() = default;
  StoppedProcess(const StoppedProcess&) = delete;
  StoppedProcess& operator=(const StoppedProcess&) = delete;
  ~StoppedProcess() { resume(); }

  // SIGSTOP; false when the signal could not be sent.
  bool stop(pid_t pid) {
    if (pid <= 0 || ::kill(pid, SIGSTOP) != 0) return false;
    pid_.store(pid);
    return true;
  }
  // SIGCONT if stopped here; true when it was sent.
  bool resume() {
    const pid_t pid = pid_.exchange(0);
    return pid > 0 && ::kill(pid, SIGCONT) == 0;
  }

 private:
  std::atomic<pid_t> pid_{0};
};

// meta-publisher stopped (SIGSTOP) in the middle of the load, then resumed (SIGCONT): calls to
// it wait meanwhile (the stall is shorter than the gateway's downstream deadline), no ad change
// the platform acknowledged is lost or applied twice, and calls succeed again soon after.
TEST_F(ServiceCommunicationStress, FailureMetaPublisherStalledLosesNoAdChange) {
  GAUNTLET_REQUIRE_MANAGED(Service::kMetaPublisher);
  Platform& platform = PlatformEnvironment::platform();
  const MixSize s = size();
  const auto stall_at = param("stall_at", {1500ms, 5s, 30s}, 0s, 1h);
  // Below the gateway's --downstream-timeout-ms (10 s): a call held longer is answered 504 and
  // may still be applied after the resume (then counted as unexpected, not lost).
  const auto stall_for = param("stall_for", {3s, 6s, 8s}, 1ms, 1h);
  const std::int64_t held_n = param("held_writes", {4, 8, 8}, 1, 100);
  std::optional<double> recovery_s;
  bool stopped = false;
  StoppedProcess guard;  // declared before the run: resumed even if the run throws
  const auto origin = Steady::now();
  std::atomic<std::int64_t> stopped_ns{-1};
  std::atomic<std::int64_t> resumed_ns{-1};
  // Ad change POSTs the stall held (sent before the resume, answered after the stop) and that
  // were acknowledged anyway: the writes whose fate the integrity check is about.
  std::atomic<std::int64_t> held_writes{0};

  MixHooks hooks;
  hooks.before = [&](Mix& mix) {
    mix.observe([&](Service service, std::string_view method, const Response& r,
                    Steady::time_point started) {
      if (service != Service::kMetaPublisher || method != "POST") return;
      if (r.status != 202 && r.status != 200) return;
      const std::int64_t stop = stopped_ns.load();
      const std::int64_t resume = resumed_ns.load();
      const std::int64_t sent = (started - origin).count();
      const std::int64_t answered = (Steady::now() - origin).count();
      if (stop >= 0 && answered > stop && (resume < 0 || sent < resume)) held_writes.fetch_add(1);
    });
  };
  hooks.during = [&](Mix& mix) {
    std::this_thread::sleep_for(stall_at);
    stopped = guard.stop(platform.pid(Service::kMetaPublisher));
    if (!stopped) return;
    stopped_ns = (Steady::now() - origin).count();
    // Writes sent while it is stopped, each on a thread of its own: every one is held by the
    // stall. Declared here, they are joined when this function returns, after the resume below.
    std::vector<std::jthread> writers;
    for (std::int64_t i = 0; i < held_n; ++i) {
      writers.emplace_back([&] {
        Client client(ClientOptions{.timeout = 30s});
        client.set_default_header({"Authorization", platform.seed().authorization()});
        mix.queue_ad_change_outside(client, "paused");
      });
    }
    std::this_thread::sleep_for(stall_for);
    const auto resumed_at = Steady::now();
    resumed_ns = (resumed_at - origin).count();
    if (!guard.resume()) return;
    // A fresh call, made after the resume: read back an ad change the load queued.
    std::string id;
    for (const LedgerEntry& e : mix.ledger().entries()) {
      if (e.kind == ledger_kind::kAdChange) {
        id = e.id;
        break;
      }
    }
    if (id.empty()) return;  // nothing to read: the figure stays missing
    Client probe(ClientOptions{.timeout = 15s});
    probe.set_default_header({"Authorization", platform.seed().authorization()});
    while (Steady::now() - resumed_at < 30s) {
      if (probe.get(mix.gateway() + "/api/v1/ad-changes/" + id).status == 200) {
        recovery_s = seconds(Steady::now() - resumed_at);
        return;
      }
      std::this_thread::sleep_for(10ms);
    }
  };
  hooks.figures = [&](Mix&) {
    std::vector<Figure> out;
    if (stopped) out.push_back({"meta_publisher_stopped_s", seconds(stall_for), {}});
    if (recovery_s) out.push_back({"meta_publisher_recovery_s", *recovery_s, {}});
    out.push_back({"ad_changes_held", static_cast<double>(held_writes.load()), {}});
    return out;
  };
  Plan p =
      plan("service-communication-meta-publisher-stalled", s,
           {"error_rate<5%", "ad_changes_queued>=1", "ad_changes_held>=" + std::to_string(held_n),
            "meta_publisher_stopped_s>0", "meta_publisher_recovery_s<2"});
  p.metrics.push_back({"ad_changes_held", MetricKind::kFigure});
  p.metrics.push_back({"meta_publisher_stopped_s", MetricKind::kFigure});
  p.metrics.push_back({"meta_publisher_recovery_s", MetricKind::kFigure});
  RunOptions options;
  options.label = "meta_publisher_stalled";
  run_mix(p, s, hooks, options);
}

// Self-test: the ledger's last acknowledged feedback event forgotten after the load (the platform
// then holds an event nobody asked for) must turn the run red on unexpected == 1.
TEST_F(ServiceCommunicationStress, SelftestForgottenLedgerEntryTurnsTheRunRed) {
  MixSize s = size();
  s.vus = 2;
  s.duration = 2s;
  MixHooks hooks;
  hooks.inject = [](Mix& mix) { mix.ledger().forget_last(ledger_kind::kFeedback); };
  const RunResult r = run_mix(plan("service-communication-selftest-unexpected", s, {}), s, hooks,
                              red_run_options("forgotten_feedback"));
  expect_red_on(r, "unexpected", 1);
}

}  // namespace
}  // namespace gauntlet
