#pragma once
// What a handler returns: status, body, content type and extra headers, as plain data.
#include <nlohmann/json.hpp>
#include <string>

#include "gauntlet/mocks/headers.hpp"

namespace gauntlet::mocks {

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  Headers headers;                // extra headers (Content-Type and Content-Length are set for you)
  bool close_connection = false;  // ask the server to close the connection after this response

  // `body` serialised compactly, application/json.
  static Response json(int status, const nlohmann::json& body);
  static Response text(int status, std::string body,
                       std::string content_type = "text/plain; charset=utf-8");
  // 204 with no body.
  static Response no_content();
  // The default error body {"error":{"status":S,"message":M}}; services may replace it with
  // Router::set_error_formatter.
  static Response error(int status, std::string_view message);
};

}  // namespace gauntlet::mocks
