#pragma once
// GAUNTLET_SCALE: how big every stress test runs. smoke (the default when unset: a direct run of a
// stress binary stays small), ci (the main job) or full (opt-in, production-sized).
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "gauntlet/env_lookup.hpp"

namespace gauntlet {

enum class Scale { kSmoke, kCi, kFull };

constexpr std::string_view to_string(Scale s) noexcept {
  return s == Scale::kSmoke ? "smoke" : s == Scale::kCi ? "ci" : "full";
}

// Throws ConfigError naming GAUNTLET_SCALE, the value and the accepted values.
Scale parse_scale(std::string_view text);
// GAUNTLET_SCALE from `env`, smoke when unset.
Scale scale_from_env(const EnvLookup& env);

}  // namespace gauntlet
