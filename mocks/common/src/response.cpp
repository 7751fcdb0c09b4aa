#include "gauntlet/mocks/response.hpp"

namespace gauntlet::mocks {

Response Response::json(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  // Replace invalid UTF-8 instead of throwing: a mock must answer even for odd input it echoes.
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response Response::text(int status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = std::move(content_type);
  return r;
}

Response Response::no_content() {
  Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

Response Response::error(int status, std::string_view message) {
  return json(status, {{"error", {{"status", status}, {"message", message}}}});
}

}  // namespace gauntlet::mocks
