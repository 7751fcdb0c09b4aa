#pragma once
// Internal: the easy-handle settings the blocking client and the engine share, so both speak to
// a server the same way (timeouts, HTTP version, TLS, redirects, how a method and body are set).
#include <curl/curl.h>

#include <chrono>
#include <string_view>
#include <vector>

#include "gauntlet/http/curl_handles.hpp"
#include "gauntlet/http/request.hpp"

namespace gauntlet {

struct CurlCommonOptions {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds timeout{30000};
  HttpVersion http_version = HttpVersion::kHttp1_1;
  bool verify_tls = true;
  bool follow_redirects = false;
};

// Throws std::invalid_argument when an HTTP/2 version is asked for and libcurl lacks HTTP/2.
void require_http_version_support(HttpVersion version);

// No signals (threads), timeouts, HTTP version, TLS verification, redirects (at most 10 when
// followed), TCP_NODELAY, and no proxy (environment proxies are ignored: load goes to the target).
void set_common_options(CURL* easy, const CurlCommonOptions& options);

// The header list libcurl takes, in order, plus "Expect:" so that a large body is sent at once
// instead of after a 1 s wait for "100 Continue" that many servers never send.
SlistHandle make_header_list(const std::vector<Header>& headers);

// GET/HEAD/POST directly, any other method as a custom request; a non-empty body (or POST, PUT,
// PATCH) is sent from `body`'s memory, which must outlive the transfer. `method` must view a
// NUL-terminated string (libcurl copies it).
void set_method_and_body(CURL* easy, std::string_view method, std::string_view body);

}  // namespace gauntlet
