#include "gauntlet/mocks/service_main.hpp"

#include <cstdio>
#include <fstream>

#include "gauntlet/config_error.hpp"

namespace gauntlet::mocks {

void CommonFlags::add_to(FlagParser& flags) {
  flags.add("--address", &address, "IP address to listen on (default 127.0.0.1)");
  flags.add("--port", &port, "TCP port; 0 picks a free one (default 0)", 0, 65535);
  flags.add("--threads", &threads, "io_context threads (default 2)", 1, 256);
  flags.add("--database-url", &database_url, "PostgreSQL connection URL (services only)");
  flags.add("--log-level", "debug, info, warn or error (default info)", [this](std::string_view v) {
    const auto level = parse_log_level(v);
    if (!level) throw std::invalid_argument("must be one of debug, info, warn, error");
    log_level = *level;
  });
  flags.add("--max-body-bytes", &max_body_bytes, "largest request body accepted; larger -> 413", 1,
            std::uint64_t{1} << 32);
  flags.add("--port-file", &port_file, "write the bound port to this file once listening");
  flags.add("--seed", &seed, "seed of the fault knobs' and the mock's RNG (default 1)", 0,
            UINT64_MAX);
}

ServerOptions CommonFlags::server_options(std::string service_name) const {
  ServerOptions o;
  o.address = address;
  o.port = static_cast<std::uint16_t>(port);
  o.threads = threads;
  o.max_body_bytes = static_cast<std::size_t>(max_body_bytes);
  o.service_name = std::move(service_name);
  o.fault_seed = seed;
  return o;
}

void CommonFlags::announce(const HttpServer& server) const {
  if (port_file.empty()) return;
  const std::string tmp = port_file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << server.port() << '\n';
    if (!out) throw ConfigError("--port-file \"" + port_file + "\" cannot be written");
  }
  if (std::rename(tmp.c_str(), port_file.c_str()) != 0) {
    throw ConfigError("--port-file \"" + port_file + "\" cannot be written (rename failed)");
  }
}

int run_main(const std::string& program, std::ostream& err, const std::function<int()>& body) {
  try {
    return body();
  } catch (const ConfigError& e) {
    for (const auto& problem : e.problems()) err << program << ": " << problem << '\n';
    return 2;
  } catch (const std::exception& e) {
    err << program << ": " << e.what() << '\n';
    return 1;
  }
}

}  // namespace gauntlet::mocks
