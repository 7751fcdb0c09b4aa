#pragma once
// Thrown by a handler (or Request::json_body) to answer with an HTTP error status. The server and
// Router::dispatch turn it into the service's error body (see Router::set_error_formatter); any
// other exception from a handler becomes a 500. Either way the server stays up.
#include <stdexcept>
#include <string>

namespace gauntlet::mocks {

class HttpError : public std::runtime_error {
 public:
  HttpError(int status, std::string message)
      : std::runtime_error(std::move(message)), status_(status) {}
  int status() const noexcept { return status_; }

 private:
  int status_;
};

}  // namespace gauntlet::mocks
