#pragma once
// What every mock's main() shares: the common flags and the exit-code boundary.
//
//   int main(int argc, char** argv) {
//     return gauntlet::mocks::run_main("mock-hubspot", std::cerr, [&] {
//       gauntlet::mocks::FlagParser flags("mock-hubspot");
//       gauntlet::mocks::CommonFlags common;
//       common.add_to(flags);
//       ... service flags ...
//       if (!flags.parse(argc, argv, std::cout)) return 0;
//       gauntlet::mocks::HttpServer server(common.server_options("hubspot"), std::cout,
//                                          common.log_level);
//       ... register routes ...
//       common.announce(server);   // writes --port-file
//       return server.run();
//     });
//   }
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

#include "gauntlet/mocks/flag_parser.hpp"
#include "gauntlet/mocks/http_server.hpp"
#include "gauntlet/mocks/logger.hpp"

namespace gauntlet::mocks {

struct CommonFlags {
  std::string address = "127.0.0.1";
  int port = 0;
  int threads = 2;
  std::string database_url;  // for the services backed by PostgreSQL; the external mocks ignore it
  LogLevel log_level = LogLevel::kInfo;
  std::uint64_t max_body_bytes = 1024 * 1024;
  std::string port_file;  // when set, the bound port is written there (for port 0)
  std::uint64_t seed = 1;

  // --address --port --threads --database-url --log-level --max-body-bytes --port-file --seed
  void add_to(FlagParser& flags);
  ServerOptions server_options(std::string service_name) const;
  // Writes the bound port to port_file (if set), atomically (write then rename). Throws
  // ConfigError naming the file if it cannot be written.
  void announce(const HttpServer& server) const;
};

// Runs `body` and maps exceptions to exit codes: ConfigError -> 2 (each problem printed to `err`
// prefixed with the program name), ServerError and any other exception -> 1. Otherwise returns
// what `body` returned.
int run_main(const std::string& program, std::ostream& err, const std::function<int()>& body);

}  // namespace gauntlet::mocks
