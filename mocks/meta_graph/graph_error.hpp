#pragma once
// A Graph API error: HTTP status plus Meta's envelope
//   {"error":{"message","type","code","error_subcode","is_transient","fbtrace_id"}}
// Thrown inside meta-graph handlers and turned into a response by MetaGraphService.
#include <stdexcept>
#include <string>

namespace gauntlet::mocks {

class GraphError : public std::runtime_error {
 public:
  GraphError(int http_status, int code, int subcode, std::string type, std::string message)
      : std::runtime_error(std::move(message)),
        http_status_(http_status),
        code_(code),
        subcode_(subcode),
        type_(std::move(type)) {}

  // (#100) invalid parameter: the client sent something the API refuses.
  static GraphError invalid_parameter(const std::string& message, int subcode = 0) {
    return GraphError(400, 100, subcode, "OAuthException", "(#100) " + message);
  }
  // An id that names nothing (or a deleted report run).
  static GraphError unknown_object(const std::string& id) {
    return GraphError(400, 100, 33, "GraphMethodException",
                      "Unsupported get request. Object with ID '" + id +
                          "' does not exist, cannot be loaded due to missing permissions, or does "
                          "not support this operation.");
  }

  int http_status() const noexcept { return http_status_; }
  int code() const noexcept { return code_; }
  int subcode() const noexcept { return subcode_; }
  const std::string& type() const noexcept { return type_; }
  // Meta's is_transient: true for the codes a client should retry later unchanged (the transient
  // server errors 1 and 2, and every throttling code), false for the rest.
  bool is_transient() const noexcept {
    switch (code_) {
      case 1:      // unknown error, retry
      case 2:      // service temporarily unavailable
      case 4:      // application request limit reached
      case 17:     // user (ad account) request limit reached
      case 613:    // calls to this api have exceeded the rate limit (report runs)
      case 80000:  // ads_insights business use case throttled
      case 80004:  // ads_management business use case throttled
        return true;
      default:
        return false;
    }
  }

 private:
  int http_status_;
  int code_;
  int subcode_;
  std::string type_;
};

}  // namespace gauntlet::mocks
