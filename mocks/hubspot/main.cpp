// mock-hubspot: see docs/platform-api/hubspot.md.
#include <iostream>

#include "gauntlet/mocks/service_main.hpp"
#include "hubspot_service.hpp"

int main(int argc, char** argv) {
  using namespace gauntlet::mocks;
  return run_main("mock-hubspot", std::cerr, [&] {
    FlagParser flags("mock-hubspot");
    CommonFlags common;
    common.add_to(flags);
    if (!flags.parse(argc, argv, std::cout)) return 0;
    HttpServer server(common.server_options("hubspot"), std::cout, common.log_level);
    HubSpotService service(server.router(), server.logger(), server.metrics(), common.seed);
    server.add_stats("hubspot", [&service] { return service.stats(); });
    common.announce(server);
    const int code = server.run();
    service.emitter().stop_all();  // before the server (and its logger) go away
    return code;
  });
}
