#pragma once
// libcurl's result codes in gauntlet's words: a CURLcode becomes a TransferFailure, which
// transfer_failure.hpp maps (with the HTTP status) to an error class and a sample message. Used
// by the blocking client, the target check and the engine's curl transport, so a failure counts
// under the same class whichever path saw it.
#include <curl/curl.h>

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include "gauntlet/error_class.hpp"
#include "gauntlet/http/transfer_failure.hpp"

namespace gauntlet {

// The TransferFailure a libcurl result code stands for (kNone for CURLE_OK; kOther for codes with
// no closer meaning, which classify as kProtocol).
TransferFailure transfer_failure_of(CURLcode code) noexcept;

// classify_transfer(transfer_failure_of(code), status). nullopt for success: the transfer
// completed with status 100..399. Otherwise:
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
// describe_transfer with libcurl's error buffer (`detail`): measured numbers written as N
// ("Operation timed out after N milliseconds with N bytes received"), so one kind of failure
// yields one distinct sample; curl_easy_strerror(code) when detail is empty. The caller redacts
// the text if it may contain a URL.
std::string_view describe_outcome(CURLcode code, long status, std::string_view detail,
                                  std::span<char> out) noexcept;

}  // namespace gauntlet
