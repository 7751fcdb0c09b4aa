// mock-video-agent: render jobs on PostgreSQL; see docs/platform-api/video-agent.md.
#include <unistd.h>

#include <iostream>

#include "gauntlet/config_error.hpp"
#include "gauntlet/mocks/service_main.hpp"
#include "gauntlet/pg/connection_pool.hpp"
#include "render_worker_pool.hpp"
#include "video_agent_service.hpp"

namespace {

using namespace gauntlet::mocks;

struct VideoAgentFlags {
  RenderWorkerOptions workers;
  int heartbeat_ms = 500;
  int stale_after_ms = 5000;
  int poll_ms = 50;
  int db_pool_size = 8;
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
  flags.add("--db-pool-size", &f.db_pool_size, "PostgreSQL connections (default 8)", 1, 1000);
  flags.add("--worker-id", &f.workers.worker_prefix,
            "worker id prefix (default video-agent-<pid>)");
}

}  // namespace

int main(int argc, char** argv) {
  return run_main("mock-video-agent", std::cerr, [&] {
    FlagParser flags("mock-video-agent");
    CommonFlags common;
    common.add_to(flags);
    VideoAgentFlags f;
    f.workers.worker_prefix = "video-agent-" + std::to_string(::getpid());
    add_flags(flags, f);
    if (!flags.parse(argc, argv, std::cout)) return 0;
    if (common.database_url.empty())
      throw gauntlet::ConfigError("--database-url is required, got nothing");
    f.workers.heartbeat_interval = std::chrono::milliseconds(f.heartbeat_ms);
    f.workers.stale_after = std::chrono::milliseconds(f.stale_after_ms);
    f.workers.poll_interval = std::chrono::milliseconds(f.poll_ms);
    f.workers.seed = common.seed;
    f.workers.validate();

    HttpServer server(common.server_options("video-agent"), std::cout, common.log_level);
    gauntlet::ConnectionPool pool(common.database_url, static_cast<std::size_t>(f.db_pool_size),
                                  std::chrono::milliseconds(5000));
    RenderJobStore store(pool);
    RenderWorkerPool workers(store, f.workers, server.metrics(), server.logger());
    VideoAgentService service(store, &workers, server.router(), server.metrics());
    server.add_stats("video_agent", [&service] { return service.stats(); });
    common.announce(server);
    workers.start();
    const int rc = server.run();
    workers.stop();
    return rc;
  });
}
