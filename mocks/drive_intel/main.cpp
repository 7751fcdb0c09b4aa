// mock-drive-intel: see docs/platform-api/drive-intel.md.
#include <iostream>

#include "drive_intel_service.hpp"
#include "gauntlet/config_error.hpp"
#include "gauntlet/mocks/service_main.hpp"

int main(int argc, char** argv) {
  using namespace gauntlet::mocks;
  return run_main("mock-drive-intel", std::cerr, [&] {
    FlagParser flags("mock-drive-intel");
    CommonFlags common;
    common.add_to(flags);
    DriveIntelOptions options;
    int pool_size = 8;
    int pool_wait_ms = 2000;
    flags.add("--compute-scale", &options.compute_scale,
              "multiplies the simulated analysis cost (default 1; tests use 0.01)", 0.0, 1000.0);
    flags.add("--db-pool-size", &pool_size, "database connections (default 8)", 1, 1000);
    flags.add("--db-pool-wait-ms", &pool_wait_ms,
              "wait for a free connection before answering 503 (default 2000)", 0, 600'000);
    if (!flags.parse(argc, argv, std::cout)) return 0;
    if (common.database_url.empty()) {
      throw gauntlet::ConfigError(
          "--database-url is required: drive-intel stores videos in "
          "PostgreSQL.");
    }
    gauntlet::ConnectionPool pool(common.database_url, static_cast<std::size_t>(pool_size),
                                  std::chrono::milliseconds(pool_wait_ms));
    HttpServer server(common.server_options("drive-intel"), std::cout, common.log_level);
    DriveIntelService service(options, server.router(), server.metrics(), pool);
    server.add_stats("drive_intel", [&service] { return service.stats(); });
    common.announce(server);
    return server.run();
  });
}
