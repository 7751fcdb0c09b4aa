#include "gauntlet/pg/embedded_postgres_options.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "gauntlet/config_error.hpp"

namespace gauntlet {
namespace {

bool plain_identifier(const std::string& name) {
  constexpr std::size_t kMaxIdentifier = 63;  // NAMEDATALEN - 1
  return !name.empty() && name.size() <= kMaxIdentifier &&
         (std::islower(static_cast<unsigned char>(name[0])) != 0 || name[0] == '_') &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return std::islower(static_cast<unsigned char>(c)) != 0 ||
                  std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '_';
         });
}

bool setting_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) != 0 ||
           std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.';
  });
}

}  // namespace

void EmbeddedPostgresOptions::validate() const {
  constexpr int kMaxConnections = 10'000;
  Problems problems;
  if (!plain_identifier(database)) {
    problems.add(
        "embedded postgres: database must be a lower-case identifier of at most 63 "
        "characters ([a-z_][a-z0-9_]*), got \"" +
        database + "\".");
  }
  if (max_connections < 1 || max_connections > kMaxConnections) {
    problems.add("embedded postgres: max_connections must be 1..10000, got " +
                 std::to_string(max_connections) + ".");
  }
  if (start_timeout.count() <= 0) {
    problems.add("embedded postgres: start_timeout must be > 0s, got " +
                 std::to_string(start_timeout.count()) + "s.");
  }
  if (stop_timeout.count() <= 0) {
    problems.add("embedded postgres: stop_timeout must be > 0s, got " +
                 std::to_string(stop_timeout.count()) + "s.");
  }
  if (shared_buffers.empty()) {
    problems.add("embedded postgres: shared_buffers must be set (e.g. \"128MB\"), got \"\".");
  }
  for (const auto& [name, value] : settings) {
    if (!setting_name(name)) {
      problems.add("embedded postgres: setting names must match [a-z0-9_.]+, got \"" + name +
                   "\".");
    }
  }
  problems.throw_if_any();
}

EmbeddedPostgresOptions EmbeddedPostgresOptions::from_env() {
  EmbeddedPostgresOptions options;
  options.template_cache = std::filesystem::path("/tmp/gauntlet-pg-template");
  if (const char* dir = std::getenv("GAUNTLET_PG_BINDIR"); dir != nullptr && *dir != '\0') {
    options.bin_dir = std::filesystem::path(dir);
  }
  if (const char* fsync = std::getenv("GAUNTLET_PG_FSYNC"); fsync != nullptr && *fsync != '\0') {
    const std::string value = fsync;
    if (value == "on" || value == "1" || value == "true") {
      options.fsync = true;
    } else if (value == "off" || value == "0" || value == "false") {
      options.fsync = false;
    } else {
      throw ConfigError("GAUNTLET_PG_FSYNC must be on or off, got \"" + value + "\".");
    }
  }
  if (const char* cache = std::getenv("GAUNTLET_PG_TEMPLATE_CACHE");
      cache != nullptr && *cache != '\0') {
    if (std::string(cache) == "off") {
      options.template_cache.reset();
    } else {
      options.template_cache = std::filesystem::path(cache);
    }
  }
  return options;
}

}  // namespace gauntlet
