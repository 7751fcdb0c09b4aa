// mock-meta-graph: see docs/platform-api/meta-graph.md.
#include <iostream>

#include "gauntlet/mocks/service_main.hpp"
#include "meta_graph_service.hpp"

namespace {

using namespace gauntlet::mocks;

void add_meta_flags(FlagParser& flags, MetaGraphOptions& o, int& report_ms, int& window_ms,
                    int& regain_minute_ms) {
  flags.add("--report-ms", &report_ms, "how long an async insights report run takes (default 500)",
            0, 3'600'000);
  flags.add("--report-fail-rate", &o.report_fail_rate,
            "fraction of report runs that fail (default 0)", 0.0, 1.0);
  flags.add("--require-token", "1 refuses calls without access_token with error #190 (default 0)",
            [&o](std::string_view v) {
              if (v != "0" && v != "1") throw std::invalid_argument("must be 0 or 1");
              o.require_token = v == "1";
            });
  flags.add("--window-ms", &window_ms, "rate-limit sliding window (default 10000)", 1, 86'400'000);
  flags.add("--regain-minute-ms", &regain_minute_ms,
            "length of one minute of estimated_time_to_regain_access (default 60000)", 1,
            86'400'000);
  flags.add("--app-limit", &o.limits.app_limit, "calls per window for the whole app (#4)", 1,
            UINT32_MAX);
  flags.add("--account-limit", &o.limits.account_limit, "calls per window per ad account (#17)", 1,
            UINT32_MAX);
  flags.add("--ads-management-limit", &o.limits.ads_management_limit,
            "ads_management calls per window per ad account (#80004)", 1, UINT32_MAX);
  flags.add("--insights-limit", &o.limits.insights_limit,
            "insights calls per window per ad account (#80000)", 1, UINT32_MAX);
  flags.add("--report-run-limit", &o.limits.report_run_limit,
            "report runs created per window per ad account (#613)", 1, UINT32_MAX);
}

}  // namespace

int main(int argc, char** argv) {
  return run_main("mock-meta-graph", std::cerr, [&] {
    FlagParser flags("mock-meta-graph");
    CommonFlags common;
    common.add_to(flags);
    MetaGraphOptions options;
    int report_ms = 500;
    int window_ms = 10'000;
    int regain_minute_ms = 60'000;
    add_meta_flags(flags, options, report_ms, window_ms, regain_minute_ms);
    if (!flags.parse(argc, argv, std::cout)) return 0;
    options.report_duration = std::chrono::milliseconds(report_ms);
    options.limits.window = std::chrono::milliseconds(window_ms);
    options.limits.regain_minute = std::chrono::milliseconds(regain_minute_ms);
    options.seed = common.seed;
    HttpServer server(common.server_options("meta-graph"), std::cout, common.log_level);
    MetaGraphService service(options, server.router(), server.metrics());
    server.add_stats("meta_graph", [&service] { return service.stats(); });
    common.announce(server);
    return server.run();
  });
}
