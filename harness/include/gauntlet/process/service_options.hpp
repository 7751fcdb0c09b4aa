#pragma once
// What to run and how to supervise it: pure data, validated before anything is started.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gauntlet {

// Where a started service answers health checks: GET http://host:port/path must return 2xx.
struct HealthEndpoint {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string path = "/health";
};

struct ServiceOptions {
  std::string name;                        // for messages; defaults to the executable's file name
  std::filesystem::path executable;        // run as is (no PATH search)
  std::vector<std::string> args;           // argv[1..]
  std::map<std::string, std::string> env;  // added to (and overriding) the parent's environment
  std::filesystem::path log_path;          // stdout and stderr, appended across restarts
  std::optional<HealthEndpoint> health;    // nullopt: wait_healthy() returns at once
  std::chrono::milliseconds health_timeout{10'000};  // bound on wait_healthy()
  std::chrono::milliseconds grace_period{5'000};     // SIGTERM -> SIGKILL in stop()

  // Throws ConfigError listing every problem (empty executable or log path, health port 0 or
  // path not starting with '/', timeouts <= 0 / < 0).
  void validate() const;
  // `name` if set, else the executable's file name.
  std::string display_name() const;
};

}  // namespace gauntlet
