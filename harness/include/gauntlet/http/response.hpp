#pragma once
// What the blocking client returns for one request: the status, headers and body, how long it
// took, and its classification. A failure is data (error set), never an exception.
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gauntlet/error_class.hpp"
#include "gauntlet/http/request.hpp"

namespace gauntlet {

struct Response {
  long status = 0;              // 0 when no response began
  std::vector<Header> headers;  // of the final response, in arrival order
  std::string body;
  std::chrono::nanoseconds elapsed{0};  // from the call until the transfer ended
  std::optional<ErrorClass> error;      // nullopt: 100..399 and the transfer completed
  std::string error_message;            // redacted; "" when error is nullopt

  bool ok() const noexcept { return !error.has_value(); }
  // The first header of that name (case-insensitive), or nullopt.
  std::optional<std::string_view> header(std::string_view name) const noexcept;
  // The body parsed as JSON, or nullopt when it is not valid JSON.
  std::optional<nlohmann::json> json() const;
  // Marks a response whose body was not what the scenario expected (class body_mismatch), e.g.
  // when a field is missing. The message is redacted before it is kept.
  void mark_body_mismatch(std::string_view why);
};

}  // namespace gauntlet
