#include "gauntlet/gtest/scale.hpp"

#include <cstdlib>
#include <string>

#include "gauntlet/config_error.hpp"

namespace gauntlet {

Scale parse_scale(std::string_view text) {
  if (text == "smoke") return Scale::kSmoke;
  if (text == "ci") return Scale::kCi;
  if (text == "full") return Scale::kFull;
  throw ConfigError("GAUNTLET_SCALE must be one of smoke, ci or full, got \"" + std::string(text) +
                    "\"");
}

Scale scale_from_env(const EnvLookup& env) {
  const auto value = env("GAUNTLET_SCALE");
  return value ? parse_scale(*value) : Scale::kSmoke;
}

}  // namespace gauntlet
