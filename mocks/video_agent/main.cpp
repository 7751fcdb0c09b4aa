// mock-video-agent: render jobs on PostgreSQL; see docs/platform-api/video-agent.md.
#include <unistd.h>

#include "gauntlet/mocks/db_service_main.hpp"
#include "render_worker_pool.hpp"
#include "video_agent_service.hpp"

namespace {

using namespace gauntlet::mocks;

struct VideoAgentFlags {
  RenderWorkerOptions workers;
  int heartbeat_ms = 500;
  int stale_after_ms = 5000;
  int poll_ms = 50;
};

void add_flags(FlagParser& flags, VideoAgentFlags& f) {
  flags.add("--workers", &f.workers.workers, "render worker threads (default 2; 0: no rendering)",
            0, 256);
  flags.add("--cost-scale", &f.workers.cost_scale,
            "multiplies every stage's simulated duration (default 1)", 0.0, 1000.0);
  flags.add("--heartbeat-ms", &f.heartbeat_ms, "heartbeat interval of a running job (default 500)",
            1, 600'000);
  flags.add("--stale-after-ms", &f.stale_after_ms,
            "heartbeat age after which a job is reaped (default 5000)", 2, 3'600'000);
  flags.add("--poll-ms", &f.poll_ms, "idle wait between empty claims (default 50)", 1, 60'000);
  flags.add("--worker-id", &f.workers.worker_prefix,
            "worker id prefix (default video-agent-<pid>)");
}

void apply(VideoAgentFlags& f, const CommonFlags& common) {
  f.workers.heartbeat_interval = std::chrono::milliseconds(f.heartbeat_ms);
  f.workers.stale_after = std::chrono::milliseconds(f.stale_after_ms);
  f.workers.poll_interval = std::chrono::milliseconds(f.poll_ms);
  f.workers.seed = common.seed;
  f.workers.validate();
}

}  // namespace

int main(int argc, char** argv) {
  VideoAgentFlags f;
  f.workers.worker_prefix = "video-agent-" + std::to_string(::getpid());
  return run_db_service(
      {.name = "video-agent",
       .why_database = "video-agent keeps its render jobs in PostgreSQL.",
       .pool_wait = std::chrono::milliseconds(5000),
       .pool_wait_flag = false},
      argc, argv,
      {.add_flags = [&](FlagParser& flags) { add_flags(flags, f); },
       .configure = [&](const CommonFlags& common) { apply(f, common); },
       .serve =
           [&](DbServiceContext& ctx) {
             RenderJobStore store(ctx.pool);
             RenderWorkerPool workers(store, f.workers, ctx.server.metrics(), ctx.server.logger());
             VideoAgentService service(store, &workers, ctx.server.router(), ctx.server.metrics());
             return ctx.serve_service(service, workers);
           }});
}
