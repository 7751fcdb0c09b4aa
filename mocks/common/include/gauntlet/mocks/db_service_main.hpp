#pragma once
// What the main() of every PostgreSQL-backed mock shares beyond service_main.hpp: the pool
// flags, the --database-url check, the pool, the server, its stats section, the port file and
// the run. Each main adds only its own flags and builds its service:
//
//   int main(int argc, char** argv) {
//     DriveIntelOptions options;
//     return run_db_service({.name = "drive-intel", .why_database = "...", ...}, argc, argv,
//         {.add_flags = [&](FlagParser& flags) { flags.add("--compute-scale", ...); },
//          .serve = [&](DbServiceContext& ctx) {
//            DriveIntelService service(options, ctx.server.router(), ctx.server.metrics(),
//                                      ctx.pool);
//            return ctx.serve_service(service);
//          }});
//   }
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "gauntlet/mocks/service_main.hpp"
#include "gauntlet/pg/connection_pool.hpp"

namespace gauntlet::mocks {

struct DbServiceSpec {
  // "drive-intel": the program is mock-<name>, the server is <name>, the stats section is
  // <name> with '_' for '-'.
  std::string name;
  // Why the service cannot run without PostgreSQL; completes "--database-url is required: ".
  std::string why_database;
  int pool_size = 8;  // --db-pool-size default
  std::chrono::milliseconds pool_wait{2000};
  bool pool_wait_flag = true;  // offer --db-pool-wait-ms; without it the wait is pool_wait
  // --db-statement-timeout-ms default: every statement of the pool's connections is cancelled
  // after this long (0: no limit), and in_http_transaction answers 503.
  std::chrono::milliseconds statement_timeout{0};
};

// What the service's own code gets once the flags are parsed.
struct DbServiceContext {
  const CommonFlags& common;
  ConnectionPool& pool;
  HttpServer& server;
  std::string stats_section;

  // Publishes `stats` in /__admin/stats, writes the port file and runs the server until it is
  // stopped; `before_run` (starting background workers) runs just before, `after_run` (stopping
  // them) just after. Returns the server's exit code.
  int serve(const std::function<nlohmann::json()>& stats,
            const std::function<void()>& before_run = {},
            const std::function<void()>& after_run = {}) const;
  // serve() with service.stats() as the stats; `workers` is started before the run and stopped
  // after it.
  template <class Service>
  int serve_service(Service& service) const {
    return serve([&service] { return service.stats(); });
  }
  template <class Service, class Workers>
  int serve_service(Service& service, Workers& workers) const {
    return serve([&service] { return service.stats(); }, [&workers] { workers.start(); },
                 [&workers] { workers.stop(); });
  }
};

struct DbServiceHooks {
  std::function<void(FlagParser&)> add_flags{};  // the service's own flags
  // After parsing, before the pool and server exist: derived options, validation (may throw
  // ConfigError). Optional.
  std::function<void(const CommonFlags&)> configure{};
  std::function<int(DbServiceContext&)> serve{};  // builds the service, returns ctx.serve(...)
};

// The whole main() inside run_main(): exit code 0 after --help, 2 on bad flags (a missing
// --database-url included), 1 on other errors, else the server's.
int run_db_service(const DbServiceSpec& spec, int argc, char** argv, const DbServiceHooks& hooks);

}  // namespace gauntlet::mocks
