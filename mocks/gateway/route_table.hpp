#pragma once
// The gateway's forwarding table, pure data: a public prefix ("/api/v1/videos") maps to a
// downstream service and the prefix it has there ("/v1/videos"). Everything below a prefix
// passes through: /api/v1/videos/42/scenes?limit=5 -> drive-intel /v1/videos/42/scenes?limit=5.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gauntlet/mocks/headers.hpp"

namespace gauntlet::mocks {

struct RouteTarget {
  std::string service;  // "drive-intel"
  std::string target;   // downstream path and query: "/v1/videos/42?x=1"
};

class RouteTable {
 public:
  struct Entry {
    std::string public_prefix;      // "/api/v1/videos"
    std::string service;            // "drive-intel"
    std::string downstream_prefix;  // "/v1/videos"
  };

  // Throws ConfigError when a prefix does not start with '/', ends with '/', or is registered
  // twice.
  void add(std::string public_prefix, std::string service, std::string downstream_prefix);
  // The longest prefix matching `target` (path[?query]) at a segment boundary, or nullopt.
  std::optional<RouteTarget> resolve(std::string_view target) const;
  const std::vector<Entry>& entries() const noexcept { return entries_; }

  // The platform's table: /api/v1/<resource> -> <service> /v1/<resource> for videos,
  // render-jobs, ad-changes, predictions, feedback, budget, learning, council and rag.
  static RouteTable platform();

 private:
  std::vector<Entry> entries_;
};

// A request may be retried when repeating it cannot act twice: GET, HEAD, OPTIONS, PUT and
// DELETE are idempotent by definition, and any method carrying an Idempotency-Key is made so by
// the service that receives it.
bool is_retryable(std::string_view method, const Headers& headers);

}  // namespace gauntlet::mocks
