#pragma once
// How one finished transfer is classified: the one mapping from libcurl's result code and the
// HTTP status to gauntlet's error classes, shared by the blocking client and the engine so both
// count the same failure under the same class.
#include <curl/curl.h>

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include "gauntlet/metrics/error_class.hpp"

namespace gauntlet {

// nullopt for success: the transfer completed with status 100..399. Otherwise:
//   kConnect   refused, unreachable, or reset before any response byte arrived
//   kDns       the host (or proxy) name did not resolve
//   kTls       handshake, certificate or pinning failures
//   kTimeout   connect or total timeout
//   kHttp4xx / kHttp5xx  the server answered 400..499 / 500..599 (see the message for the code)
//   kProtocol  empty reply, connection closed mid-response, malformed response, status 0 or >= 600,
//              and any other libcurl failure
// `status` is the response code libcurl saw (0 when no response began).
std::optional<ErrorClass> classify_outcome(CURLcode code, long status) noexcept;

// A short message for an error sample, written into `out` (NUL-terminated) without allocating
// and truncated to fit; returns the part of `out` written. HTTP failures read "HTTP 503";
// transport failures give libcurl's error buffer (`detail`) with measured numbers written as N
// ("Operation timed out after N milliseconds with N bytes received"), so one kind of failure
// yields one distinct sample; curl_easy_strerror(code) when detail is empty. The caller redacts
// the text if it may contain a URL.
std::string_view describe_outcome(CURLcode code, long status, std::string_view detail,
                                  std::span<char> out) noexcept;

}  // namespace gauntlet
