#pragma once
// Internal: the curl transport: libcurl's multi interface driven through its socket API, for
// TLS, HTTP/2 and every URL libcurl takes. Its header list is exposed for the hot-path benchmark.
#include <curl/curl.h>

#include <memory>
#include <string>
#include <vector>

#include "engine_transport.hpp"
#include "gauntlet/http/request.hpp"

namespace gauntlet {

// A header list built from our own storage: curl_slist is a public struct that libcurl only reads,
// so the nodes point into strings whose capacity is reused from one request to the next.
class HeaderNodes {
 public:
  // Rebuilds the list for `headers` (plus "Expect:"); allocates only when the list grows.
  curl_slist* build(const std::vector<Header>& headers);

 private:
  std::vector<std::string> lines_;
  std::vector<curl_slist> nodes_;
};

// A transport's connections are split into groups, each with its own multi handle and so its own
// connection cache: libcurl looks for a free cached connection by walking its cache, and one
// cache of 10,000 connections makes every request pay for a walk of thousands.
inline constexpr int kConnectionsPerMulti = 32;

// Throws std::runtime_error when libcurl cannot be set up.
std::unique_ptr<Transport> make_curl_transport(const TransportSetup& setup);

}  // namespace gauntlet
