// mock-ml-service: see docs/platform-api/ml-service.md.
#include "gauntlet/mocks/db_service_main.hpp"
#include "ml_service.hpp"

namespace {

using namespace gauntlet::mocks;

struct MlFlags {
  MlServiceOptions options;
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
  }

  void apply(const CommonFlags& common) {
    options.seed = common.seed;
    options.cache_ttl = std::chrono::seconds(cache_ttl_s);
    options.stale_cycle_after = std::chrono::seconds(stale_cycle_s);
  }
};

}  // namespace

int main(int argc, char** argv) {
  MlFlags ml;
  return run_db_service(
      {.name = "ml-service", .why_database = "ml-service keeps its state in PostgreSQL."}, argc,
      argv,
      {.add_flags = [&](FlagParser& flags) { ml.add_to(flags); },
       .configure = [&](const CommonFlags& common) { ml.apply(common); },
       .serve =
           [&](DbServiceContext& ctx) {
             MlService service(ml.options, ctx.server.router(), ctx.server.metrics(), ctx.pool);
             return ctx.serve_service(service);
           }});
}
