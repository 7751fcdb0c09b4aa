// mock-meta-publisher: the SafeExecutor on PostgreSQL; see docs/platform-api/meta-publisher.md.
#include <unistd.h>

#include "gauntlet/mocks/db_service_main.hpp"
#include "meta_publisher_service.hpp"
#include "safe_executor.hpp"

namespace {

using namespace gauntlet::mocks;

struct PublisherFlags {
  SafeExecutorOptions executor;
  int jitter_ms = 50;
  int step_interval_ms = 1000;
  int lease_ms = 30'000;
  int poll_ms = 50;
  int retry_base_ms = 500;
  int throttle_min_wait_ms = 1000;
};

void add_flags(FlagParser& flags, PublisherFlags& f) {
  SafeExecutorOptions& o = f.executor;
  flags.add("--meta-graph-url", &o.meta_graph_url,
            "base URL of mock-meta-graph (default http://127.0.0.1:8010)");
  flags.add("--graph-version", &o.graph_version, "Graph API version in paths (default v19.0)");
  flags.add("--access-token", &o.access_token, "access_token sent to Meta (default mock-token)");
  flags.add("--workers", &o.workers, "executor threads (default 2; 0: apply nothing)", 0, 256);
  flags.add("--max-attempts", &o.max_attempts, "failed attempts before the dead letter (default 5)",
            1, 100);
  flags.add("--rate-per-s", &o.rate_per_s, "calls to Meta per second, all workers (default 20)",
            0.001, 1e6);
  flags.add("--burst", &o.burst, "rate-limit bucket capacity (default 5)", 1.0, 1e6);
  flags.add("--jitter-ms", &f.jitter_ms, "uniform extra wait before each call, max (default 50)", 0,
            600'000);
  flags.add("--budget-step-cap", &o.budget_step_cap,
            "max relative budget change per step (default 0.2)", 0.0001, 1.0);
  flags.add("--budget-fuzz", &o.budget_fuzz,
            "intermediate budget steps fall short by up to this fraction (default 0.1)", 0.0, 0.99);
  flags.add("--budget-step-interval-ms", &f.step_interval_ms,
            "wait before a follow-up budget step (default 1000)", 0, 86'400'000);
  flags.add("--lease-ms", &f.lease_ms, "claim lease (default 30000)", 1, 86'400'000);
  flags.add("--poll-ms", &f.poll_ms, "idle wait between empty claims (default 50)", 1, 60'000);
  flags.add("--retry-base-ms", &f.retry_base_ms,
            "backoff base after a failed attempt (default 500)", 1, 3'600'000);
  flags.add("--throttle-min-wait-ms", &f.throttle_min_wait_ms,
            "least wait after Meta throttles (default 1000)", 1, 86'400'000);
  flags.add("--regain-scale", &o.throttle.regain_scale,
            "multiplies Meta's estimated_time_to_regain_access (default 1; the mock's windows are "
            "scaled down)",
            0.000001, 1.0);
  flags.add("--worker-id", &o.worker_prefix, "worker id prefix (default meta-publisher-<pid>)");
}

void apply(PublisherFlags& f, const CommonFlags& common) {
  using std::chrono::milliseconds;
  f.executor.jitter = milliseconds(f.jitter_ms);
  f.executor.budget_step_interval = milliseconds(f.step_interval_ms);
  f.executor.lease = milliseconds(f.lease_ms);
  f.executor.poll_interval = milliseconds(f.poll_ms);
  f.executor.retry_base = milliseconds(f.retry_base_ms);
  f.executor.retry_cap = std::max(f.executor.retry_cap, f.executor.retry_base);
  f.executor.throttle.min_wait = milliseconds(f.throttle_min_wait_ms);
  f.executor.request_timeout =
      std::min(f.executor.request_timeout, milliseconds(std::max(1, f.lease_ms / 2)));
  f.executor.seed = common.seed;
}

}  // namespace

int main(int argc, char** argv) {
  PublisherFlags f;
  f.executor.worker_prefix = "meta-publisher-" + std::to_string(::getpid());
  return run_db_service({.name = "meta-publisher",
                         .why_database = "meta-publisher keeps its ad changes in PostgreSQL.",
                         .pool_wait = std::chrono::milliseconds(5000),
                         .pool_wait_flag = false},
                        argc, argv,
                        {.add_flags = [&](FlagParser& flags) { add_flags(flags, f); },
                         .configure = [&](const CommonFlags& common) { apply(f, common); },
                         .serve =
                             [&](DbServiceContext& ctx) {
                               AdChangeStore store(ctx.pool);
                               SafeExecutor executor(store, f.executor, ctx.server.metrics(),
                                                     ctx.server.logger());
                               MetaPublisherService service(store, &executor, ctx.server.router(),
                                                            ctx.server.metrics());
                               return ctx.serve_service(service, executor);
                             }});
}
