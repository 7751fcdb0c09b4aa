// mock-drive-intel: see docs/platform-api/drive-intel.md.
#include "drive_intel_service.hpp"
#include "gauntlet/mocks/db_service_main.hpp"

int main(int argc, char** argv) {
  using namespace gauntlet::mocks;
  DriveIntelOptions options;
  return run_db_service(
      {.name = "drive-intel", .why_database = "drive-intel stores videos in PostgreSQL."}, argc,
      argv,
      {.add_flags =
           [&](FlagParser& flags) {
             flags.add("--compute-scale", &options.compute_scale,
                       "multiplies the simulated analysis cost (default 1; tests use 0.01)", 0.0,
                       1000.0);
           },
       .serve =
           [&](DbServiceContext& ctx) {
             DriveIntelService service(options, ctx.server.router(), ctx.server.metrics(),
                                       ctx.pool);
             return ctx.serve_service(service);
           }});
}
