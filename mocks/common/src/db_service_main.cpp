#include "gauntlet/mocks/db_service_main.hpp"

#include <algorithm>
#include <iostream>

#include "gauntlet/config_error.hpp"
#include "gauntlet/mocks/db.hpp"

namespace gauntlet::mocks {

int DbServiceContext::serve(const std::function<nlohmann::json()>& stats,
                            const std::function<void()>& before_run,
                            const std::function<void()>& after_run) const {
  server.add_stats(stats_section, stats);
  common.announce(server);
  if (before_run) before_run();
  const int rc = server.run();
  if (after_run) after_run();
  return rc;
}

int run_db_service(const DbServiceSpec& spec, int argc, char** argv, const DbServiceHooks& hooks) {
  const std::string program = "mock-" + spec.name;
  return run_main(program, std::cerr, [&] {
    FlagParser flags(program);
    CommonFlags common;
    common.add_to(flags);
    if (hooks.add_flags) hooks.add_flags(flags);
    int pool_size = spec.pool_size;
    int pool_wait_ms = static_cast<int>(spec.pool_wait.count());
    flags.add("--db-pool-size", &pool_size,
              "database connections (default " + std::to_string(spec.pool_size) + ")", 1, 1000);
    if (spec.pool_wait_flag) {
      flags.add("--db-pool-wait-ms", &pool_wait_ms,
                "wait for a free connection before answering 503 (default " +
                    std::to_string(pool_wait_ms) + ")",
                0, 600'000);
    }
    int statement_timeout_ms = static_cast<int>(spec.statement_timeout.count());
    flags.add("--db-statement-timeout-ms", &statement_timeout_ms,
              "cancel a database statement after this long and answer 503; 0: no limit "
              "(default " +
                  std::to_string(statement_timeout_ms) + ")",
              0, 3'600'000);
    if (!flags.parse(argc, argv, std::cout)) return 0;
    if (common.database_url.empty())
      throw ConfigError("--database-url is required: " + spec.why_database);
    if (hooks.configure) hooks.configure(common);

    ConnectionPool pool(with_statement_timeout(common.database_url,
                                               std::chrono::milliseconds(statement_timeout_ms)),
                        static_cast<std::size_t>(pool_size),
                        std::chrono::milliseconds(pool_wait_ms));
    HttpServer server(common.server_options(spec.name), std::cout, common.log_level);
    std::string section = spec.name;
    std::replace(section.begin(), section.end(), '-', '_');
    DbServiceContext ctx{common, pool, server, section};
    return hooks.serve(ctx);
  });
}

}  // namespace gauntlet::mocks
