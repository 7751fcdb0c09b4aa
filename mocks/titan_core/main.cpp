// mock-titan-core: see docs/platform-api/titan-core.md.
#include <iostream>

#include "gauntlet/config_error.hpp"
#include "gauntlet/mocks/service_main.hpp"
#include "titan_core_service.hpp"

int main(int argc, char** argv) {
  using namespace gauntlet::mocks;
  return run_main("mock-titan-core", std::cerr, [&] {
    FlagParser flags("mock-titan-core");
    CommonFlags common;
    common.add_to(flags);
    TitanCoreOptions options;
    int pool_size = 8;
    int pool_wait_ms = 2000;
    flags.add("--compute-scale", &options.compute_scale,
              "multiplies the simulated model cost (default 1; tests use 0.01)", 0.0, 1000.0);
    flags.add("--db-pool-size", &pool_size, "database connections (default 8)", 1, 1000);
    flags.add("--db-pool-wait-ms", &pool_wait_ms,
              "wait for a free connection before answering 503 (default 2000)", 0, 600'000);
    if (!flags.parse(argc, argv, std::cout)) return 0;
    if (common.database_url.empty()) {
      throw gauntlet::ConfigError(
          "--database-url is required: titan-core keeps DNA and RAG "
          "documents in PostgreSQL.");
    }
    gauntlet::ConnectionPool pool(common.database_url, static_cast<std::size_t>(pool_size),
                                  std::chrono::milliseconds(pool_wait_ms));
    HttpServer server(common.server_options("titan-core"), std::cout, common.log_level);
    TitanCoreService service(options, server.router(), server.metrics(), pool);
    server.add_stats("titan_core", [&service] { return service.stats(); });
    common.announce(server);
    return server.run();
  });
}
