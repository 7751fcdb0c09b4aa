#pragma once
// ServerOptions for an in-process test server on an ephemeral loopback port (the mocks' platform
// tests run services in the test process).
#include <string>

#include "gauntlet/mocks/http_server.hpp"

namespace gauntlet::mocks {

inline ServerOptions local_server_options(const std::string& name) {
  ServerOptions o;
  o.threads = 2;
  o.service_name = name;
  return o;
}

}  // namespace gauntlet::mocks
