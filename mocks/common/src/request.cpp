#include "gauntlet/mocks/request.hpp"

#include "gauntlet/mocks/http_error.hpp"
#include "gauntlet/mocks/url.hpp"

namespace gauntlet::mocks {

std::optional<std::string> Request::query_value(const std::string& name) const {
  const auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

nlohmann::json Request::json_body() const {
  if (body.empty())
    throw HttpError(400, "the request body must be a JSON document, got an empty body");
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    throw HttpError(400, std::string("the request body is not valid JSON: ") + e.what());
  }
}

void Request::split_target() {
  const auto q = target.find('?');
  path = target.substr(0, q);
  query = q == std::string::npos ? std::map<std::string, std::string>{}
                                 : parse_query(std::string_view(target).substr(q + 1));
}

}  // namespace gauntlet::mocks
