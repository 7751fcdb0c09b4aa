#pragma once
// The classes a failed request or iteration is counted under. A failure is data, never fatal
// to a run (see wrk's connect/read/write/status/timeout counters). The vocabulary every module
// shares (load, metrics, http, pg), so it lives at the root, header-only.
#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace gauntlet {

enum class ErrorClass : std::uint8_t {
  kConnect,       // connection refused or reset before a response began
  kDns,           // the host name did not resolve
  kTls,           // TLS handshake or certificate failure
  kTimeout,       // connect or total timeout
  kHttp4xx,       // the server answered 400..499
  kHttp5xx,       // the server answered 500..599
  kProtocol,      // malformed response, connection closed mid-response
  kBodyMismatch,  // the response arrived but its body was not what the scenario expected
  kAssertion,     // a scenario check failed (GAUNTLET_CHECK, an explicit fail())
  kException,     // user code threw
  kPoolTimeout,   // no pooled resource (database connection) within its wait bound
};

inline constexpr std::size_t kErrorClassCount = 11;

// Stable snake_case names used in JSON, CSV and reports ("http_5xx").
constexpr std::string_view to_string(ErrorClass c) noexcept {
  constexpr std::array<std::string_view, kErrorClassCount> kNames = {
      "connect",  "dns",           "tls",       "timeout",   "http_4xx",    "http_5xx",
      "protocol", "body_mismatch", "assertion", "exception", "pool_timeout"};
  return kNames[static_cast<std::size_t>(c)];
}

// Inverse of to_string; nullopt for an unknown name. A linear scan over 11 names: cheaper than
// building a map, and to_string stays the one table of names.
constexpr std::optional<ErrorClass> error_class_from_string(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kErrorClassCount; ++i) {
    const auto c = static_cast<ErrorClass>(i);
    if (to_string(c) == name) return c;
  }
  return std::nullopt;
}

// An exception that says which class it counts under. Thrown by a scenario (or by a library a
// scenario calls, such as ConnectionPool's PoolTimeout), it is counted as that class instead of
// kException.
class StepFailure : public std::runtime_error {
 public:
  StepFailure(ErrorClass error, const std::string& message)
      : std::runtime_error(message), error_(error) {}
  ErrorClass error_class() const noexcept { return error_; }

 private:
  ErrorClass error_;
};

}  // namespace gauntlet
