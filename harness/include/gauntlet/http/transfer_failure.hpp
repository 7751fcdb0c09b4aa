#pragma once
// How one HTTP transfer failed, in gauntlet's own words, and the one mapping from that (and the
// HTTP status) to gauntlet's error classes and sample messages. Every transport speaks it: the
// native transport directly, libcurl's through outcome.hpp's translation of its CURLcode, so
// the same failure counts under the same class and reads the same on either.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "gauntlet/error_class.hpp"

namespace gauntlet {

enum class TransferFailure : std::uint8_t {
  kNone,               // a response arrived whole; its status decides
  kResolve,            // the host (or proxy) name did not resolve
  kConnect,            // no connection could be made
  kTimeout,            // connect or total timeout
  kTls,                // handshake, certificate or pinning failure
  kSend,               // the connection broke while sending
  kRecv,               // the connection broke while receiving
  kMalformedResponse,  // the response could not be parsed
  kEmptyReply,         // the connection closed before any response byte
  kPartialBody,        // the connection closed before the whole body arrived
  kOther,              // anything else a transport can fail with
};

// nullopt for success: no failure and status 100..399. Otherwise:
//   kConnect   refused, unreachable, or reset (kSend/kRecv) before any response byte arrived
//   kDns       kResolve
//   kTls       kTls
//   kTimeout   kTimeout
//   kHttp4xx / kHttp5xx  the server answered 400..499 / 500..599
//   kProtocol  an empty reply, a partial body, a malformed response, a reset after the response
//              began, status 0 or >= 600, and anything else
// `status` is the response code seen (0 when no response began).
std::optional<ErrorClass> classify_transfer(TransferFailure failure, long status) noexcept;

// A short message for an error sample, written into `out` (NUL-terminated) without allocating
// and truncated to fit; returns the part of `out` written. HTTP failures read "HTTP 503";
// transport failures give `detail` with measured numbers written as N ("Operation timed out
// after N milliseconds with N bytes received"), so one kind of failure yields one distinct
// sample; the failure's name when detail is empty. The caller redacts the text if it may
// contain a URL.
std::string_view describe_transfer(TransferFailure failure, long status, std::string_view detail,
                                   std::span<char> out) noexcept;

}  // namespace gauntlet
