#pragma once
// Environment lookup, injected so that tests need not touch the process environment: the one
// type the stress fixture (GAUNTLET_SCALE, GAUNTLET_<PARAM>), the CLI (GAUNTLET_ALLOW_REMOTE) and
// the platform fixtures (GAUNTLET_DATABASE_URL, ...) read the environment through.
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace gauntlet {

// nullopt when the variable is unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// Reads the real process environment; an empty value counts as unset.
inline EnvLookup process_env() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
}

}  // namespace gauntlet
