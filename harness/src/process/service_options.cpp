#include "gauntlet/process/service_options.hpp"

#include "gauntlet/config_error.hpp"

namespace gauntlet {

void ServiceOptions::validate() const {
  Problems problems;
  const std::string who = "service '" + display_name() + "': ";
  if (executable.empty()) problems.add(who + "executable must be set, got an empty path.");
  if (log_path.empty()) problems.add(who + "log_path must be set, got an empty path.");
  if (health) {
    if (health->port == 0) problems.add(who + "health.port must be 1..65535, got 0.");
    if (health->host.empty()) problems.add(who + "health.host must be set, got \"\".");
    if (health->path.empty() || health->path.front() != '/') {
      problems.add(who + "health.path must start with '/', got \"" + health->path + "\".");
    }
  }
  if (health_timeout.count() <= 0) {
    problems.add(who + "health_timeout must be > 0ms, got " +
                 std::to_string(health_timeout.count()) + "ms.");
  }
  if (grace_period.count() < 0) {
    problems.add(who + "grace_period must be >= 0ms, got " + std::to_string(grace_period.count()) +
                 "ms.");
  }
  problems.throw_if_any();
}

std::string ServiceOptions::display_name() const {
  if (!name.empty()) return name;
  return executable.filename().string();
}

}  // namespace gauntlet
