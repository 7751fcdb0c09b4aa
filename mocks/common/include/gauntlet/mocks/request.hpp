#pragma once
// One parsed HTTP request as plain data (no Beast), handed to route handlers.
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "gauntlet/mocks/headers.hpp"

namespace gauntlet::mocks {

struct Request {
  std::string method;  // upper case, e.g. "GET"
  std::string target;  // as sent: "/v19.0/act_1/campaigns?limit=2"
  std::string path;    // target without the query, not percent-decoded: "/v19.0/act_1/campaigns"
  std::map<std::string, std::string> query;   // decoded query parameters (last one wins)
  std::map<std::string, std::string> params;  // {name} captures of the matched route pattern
  std::string route;  // the matched pattern, e.g. "/v19.0/act_{account}/campaigns" ("" if none)
  Headers headers;
  std::string body;
  std::string remote_address;  // peer IP, "" for internal requests (e.g. a batch's parts)

  // The capture `name` of the matched pattern. Throws std::out_of_range if the pattern has none
  // (a programming error: the route was registered without it).
  const std::string& param(const std::string& name) const { return params.at(name); }
  // The query parameter `name`, if present.
  std::optional<std::string> query_value(const std::string& name) const;
  // The body parsed as JSON. Throws HttpError(400) naming the parse error if it is not JSON, and
  // if it is empty (a body is required wherever this is called).
  nlohmann::json json_body() const;

  // Fills path and query from target (the server does this; tests and batch dispatch may too).
  void split_target();
};

}  // namespace gauntlet::mocks
