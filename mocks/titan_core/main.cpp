// mock-titan-core: see docs/platform-api/titan-core.md.
#include "gauntlet/mocks/db_service_main.hpp"
#include "titan_core_service.hpp"

int main(int argc, char** argv) {
  using namespace gauntlet::mocks;
  TitanCoreOptions options;
  return run_db_service(
      {.name = "titan-core",
       .why_database = "titan-core keeps DNA and RAG documents in PostgreSQL.",
       // The council's own timeout: a slow database ends a council with 503, not a hang.
       .statement_timeout = std::chrono::milliseconds(2000)},
      argc, argv,
      {.add_flags =
           [&](FlagParser& flags) {
             flags.add("--compute-scale", &options.compute_scale,
                       "multiplies the simulated model cost (default 1; tests use 0.01)", 0.0,
                       1000.0);
           },
       .serve =
           [&](DbServiceContext& ctx) {
             TitanCoreService service(options, ctx.server.router(), ctx.server.metrics(), ctx.pool);
             return ctx.serve_service(service);
           }});
}
