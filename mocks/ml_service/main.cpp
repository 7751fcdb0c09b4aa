// mock-ml-service: see docs/platform-api/ml-service.md.
#include <iostream>

#include "gauntlet/config_error.hpp"
#include "gauntlet/mocks/service_main.hpp"
#include "ml_service.hpp"

namespace {

using namespace gauntlet::mocks;

struct MlFlags {
  MlServiceOptions options;
  int pool_size = 8;
  int pool_wait_ms = 2000;
  int cache_ttl_s = 3600;
  int stale_cycle_s = 600;

  void add_to(FlagParser& flags) {
    flags.add("--compute-scale", &options.compute_scale,
              "multiplies every simulated compute cost (default 1; tests use 0.01)", 0.0, 1000.0);
    flags.add("--sampler-samples", &options.sampler_samples,
              "Thompson draws per budget allocation (default 1000)", 1, 100'000);
    flags.add("--cache-max-distance", &options.cache_max_distance,
              "embedding distance of a semantic cache hit (default 0.3)", 0.0, 2.0);
    flags.add("--cache-ttl-s", &cache_ttl_s, "lifetime of a cache entry (default 3600)", 1,
              30 * 86'400);
    flags.add("--stale-cycle-s", &stale_cycle_s,
              "a learning cycle running longer is abandoned by the next start (default 600)", 1,
              86'400);
    flags.add("--db-pool-size", &pool_size, "database connections (default 8)", 1, 1000);
    flags.add("--db-pool-wait-ms", &pool_wait_ms,
              "wait for a free connection before answering 503 (default 2000)", 0, 600'000);
  }
};

}  // namespace

int main(int argc, char** argv) {
  return run_main("mock-ml-service", std::cerr, [&] {
    FlagParser flags("mock-ml-service");
    CommonFlags common;
    common.add_to(flags);
    MlFlags ml;
    ml.add_to(flags);
    if (!flags.parse(argc, argv, std::cout)) return 0;
    if (common.database_url.empty()) {
      throw gauntlet::ConfigError(
          "--database-url is required: ml-service keeps its state in "
          "PostgreSQL.");
    }
    ml.options.seed = common.seed;
    ml.options.cache_ttl = std::chrono::seconds(ml.cache_ttl_s);
    ml.options.stale_cycle_after = std::chrono::seconds(ml.stale_cycle_s);
    gauntlet::ConnectionPool pool(common.database_url, static_cast<std::size_t>(ml.pool_size),
                                  std::chrono::milliseconds(ml.pool_wait_ms));
    HttpServer server(common.server_options("ml-service"), std::cout, common.log_level);
    MlService service(ml.options, server.router(), server.metrics(), pool);
    server.add_stats("ml_service", [&service] { return service.stats(); });
    common.announce(server);
    return server.run();
  });
}
